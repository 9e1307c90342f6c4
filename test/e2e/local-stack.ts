/**
 * The local stack for end-to-end tests: started in this test file's process
 * on free loopback ports, against the run's DynamoDB Local with a fresh
 * table, plus an HTTP client for its API and MQTT clients that are closed
 * after each test.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { inject } from 'vitest';
import type { ClientObject } from '../../functions/clients/render.js';
import { SessionStore } from '../../functions/sessions/store.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.js';
import { localDocumentClient } from '../support/dynamodb.js';

export type E2eStack = LocalStack & {
  /** Reads the table directly, as the API does. */
  store: SessionStore;
  /** Stops the stack and drops its table. */
  close(): Promise<void>;
};

export const SHARDS = 4;

export async function startE2eStack(options: Partial<LocalStackOptions> = {}): Promise<E2eStack> {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `e2e-${randomUUID()}`;
  const stack = await startLocalStack({
    apiPort: 0,
    mqttPort: 0,
    dynamodbEndpoint: endpoint,
    tableName,
    shards: SHARDS,
    node: 'e2e@127.0.0.1',
    statsIntervalMs: 200,
    functionLogLevel: 'SILENT',
    ...options,
  });
  const db = localDocumentClient(endpoint);
  return {
    ...stack,
    store: new SessionStore(db, { tableName, shards: SHARDS }),
    close: async () => {
      await stack.stop();
      await db.send(new DeleteTableCommand({ TableName: tableName }));
      db.destroy();
    },
  };
}

export type ApiResponse<T = unknown> = { status: number; headers: Headers; body: T };
export type ClientsBody = { code: number; data: ClientObject[]; meta?: Record<string, unknown> };
export type ErrorBody = { code: number; message: string };

export function apiClient(stack: LocalStack) {
  const basic = `Basic ${Buffer.from(`${stack.app.appId}:${stack.app.appSecret}`).toString('base64')}`;
  const request = async <T>(
    method: string,
    path: string,
    options: { authorization?: string | null; json?: unknown } = {},
  ): Promise<ApiResponse<T>> => {
    const authorization = options.authorization === undefined ? basic : options.authorization;
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...(authorization === null ? {} : { authorization }), ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as T };
  };
  return {
    request,
    list: (query = '') => request<ClientsBody>('GET', `/clients${query ? `?${query}` : ''}`),
    get: (clientid: string) => request<ClientsBody>('GET', `/clients/${encodeURIComponent(clientid)}`),
    kick: (clientid: string) => request<ErrorBody>('DELETE', `/clients/${encodeURIComponent(clientid)}`),
    /** The client as GET /clients/{clientid} shows it, or undefined. */
    async client(clientid: string): Promise<ClientObject | undefined> {
      const response = await this.get(clientid);
      return response.body.data[0];
    },
  };
}

/** MQTT clients of one test; `closeAll` ends those still open. */
export class MqttClients {
  private readonly open = new Set<MqttClient>();

  constructor(private readonly url: () => string) {}

  async connect(options: IClientOptions & { clientId: string }): Promise<MqttClient & { connack: { sessionPresent: boolean } }> {
    const client = mqtt.connect(this.url(), { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    this.open.add(client);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      client.once('connect', (packet) => resolve({ sessionPresent: packet.sessionPresent }));
      client.once('error', reject);
    });
    return Object.assign(client, { connack });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((client) => client.endAsync(true)));
    this.open.clear();
  }
}

/** Resolves when the client's connection is closed by the other side. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected || (!client.connected && !client.reconnecting)) resolve();
    client.once('close', () => resolve());
  });
}

export const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
