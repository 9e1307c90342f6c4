/**
 * The control channel over MQTT: one client connection per warm function
 * instance, commands published at QoS 1, success meaning the broker's PUBACK.
 * mqtt.js is a chunk, loaded at the first connection.
 */
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { loadMqtt } from '../chunks.js';
import { commandTopic, ControlChannelError, type ControlChannel, type ControlCommand } from './channel.js';

export type BrokerCredentials = { username?: string; password?: string };

export type MqttChannelOptions = {
  url: string;
  topicPrefix: string;
  /** Bounds both connecting and waiting for the PUBACK. */
  timeoutMs: number;
  /** Looked up when a connection is made (e.g. from Secrets Manager), so a rotated secret is picked up. */
  credentials: () => Promise<BrokerCredentials>;
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ControlChannelError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class MqttControlChannel implements ControlChannel {
  private client: MqttClient | undefined;
  private connecting: Promise<MqttClient> | undefined;

  constructor(private readonly options: MqttChannelOptions) {}

  private async connect(): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    this.drop();
    this.connecting ??= (async () => {
      const [credentials, { connect }] = await Promise.all([this.options.credentials(), loadMqtt()]);
      const client = connect(this.options.url, {
        clientId: `clients-api-${randomUUID()}`,
        clean: true,
        // Reconnects happen on the next command, never in the background: a
        // queued kick must not reach the broker after the caller was told 503.
        reconnectPeriod: 0,
        connectTimeout: this.options.timeoutMs,
        ...credentials,
      });
      try {
        await withTimeout(
          new Promise<void>((resolve, reject) => {
            client.once('connect', () => resolve());
            client.once('error', reject);
            client.once('close', () => reject(new ControlChannelError('connection closed')));
          }),
          this.options.timeoutMs,
          'connecting to the broker',
        );
      } catch (error) {
        client.end(true);
        throw error instanceof ControlChannelError ? error : new ControlChannelError(`cannot connect to the broker: ${(error as Error).message}`);
      }
      client.on('error', () => undefined);
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Forgets the connection and anything queued on it. */
  private drop(): void {
    if (this.client) {
      this.client.end(true);
      this.client = undefined;
    }
  }

  async send(command: ControlCommand): Promise<void> {
    const client = await this.connect();
    const topic = commandTopic(this.options.topicPrefix, command.node, command.type);
    try {
      await withTimeout(client.publishAsync(topic, JSON.stringify(command), { qos: 1 }), this.options.timeoutMs, 'waiting for PUBACK');
    } catch (error) {
      this.drop();
      throw error instanceof ControlChannelError ? error : new ControlChannelError(`publish failed: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true);
  }
}
