/**
 * The whole service on one machine: DynamoDB Local with the sessions table,
 * a broker node reporting to it, and the API's handler functions behind a
 * local HTTP server, on loopback ports. `npm start` runs it; tests start it
 * on free ports against their own table.
 */
import { randomBytes } from 'node:crypto';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { createTableInput } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { buildHandlers } from './api/handlers.js';
import {
  appsEnvironment,
  awsIotIngestEnvironment,
  emqxIngestEnvironment,
  kickEnvironment,
  listEnvironment,
  tableEnvironment,
} from '../../functions/config.js';
import { startApiServer, type ApiServer } from './api/server.js';
import type { AppCredentials } from '../../functions/apps/basic-auth.js';
import type { SigV4Key } from './api/sigv4-auth.js';
import { ensureStream, ensureTable, LOCAL_APPS_TABLE } from './tables.js';
import { startCounterAggregation } from './stream-consumer.js';
import { createAppsTableInput } from '../../functions/apps/table.js';
import { startBroker, type LocalBroker } from './broker/broker.js';
import { EmqxClientList } from '../../functions/sources/emqx/client-list.js';
import { startEmqxRestApi, type EmqxRestApi } from './emqx/rest-api.js';
import { standInBackend } from './emqx/stand-in.js';
import { EmqxWebhookWriter } from './emqx/webhook-writer.js';
import { tableNodeWriter } from './broker/node-writer.js';
import { SourceWriter } from '../../functions/sessions/source-writer.js';
import type { ZoneSettings } from './broker/connection-info.js';
import { LOCAL_CLIENT_CONFIG, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { silentLog, type LocalLog } from './log.js';

export type LocalStackOptions = {
  /** 0 picks a free port. */
  apiPort?: number;
  mqttPort?: number;
  /** An already running DynamoDB (Local); without it, an in-memory DynamoDB Local is started and stopped with the stack. */
  dynamodbEndpoint?: string;
  tableName?: string;
  shards?: number;
  node?: string;
  app?: AppCredentials;
  sigv4Key?: SigV4Key;
  /** The apps table of `/api/v4` and `/api/v5` (`npm run apps`), beside the sessions table. */
  appsTableName?: string;
  control?: { username?: string; password?: string; topicPrefix?: string };
  kickConfirmTimeoutMs?: number;
  pubackTimeoutMs?: number;
  statsIntervalMs?: number;
  sweepIntervalMs?: number;
  /** How often the broker node reconciles the table with what it holds. */
  reconcileIntervalMs?: number;
  zone?: Partial<ZoneSettings>;
  cursorSecret?: string;
  /** The bearer token of `POST /ingest/*`; random per start when absent. */
  ingestToken?: string;
  /**
   * `native`: the node writes the table itself and takes kicks on its MQTT
   * control topic. `emqx5` / `emqx4`: it stands in for an EMQX cluster: its
   * events go to `POST /ingest/emqx` as EMQX's webhooks, kicks and the
   * reconciliation go through an EMQX-style REST API it serves.
   */
  brokerMode?: BrokerMode;
  /** POWERTOOLS_LOG_LEVEL of the handler functions. */
  functionLogLevel?: string;
  log?: (part: 'db' | 'mqtt' | 'api') => LocalLog;
  /** Aborting it while the stack starts stops what has started and rejects. */
  signal?: AbortSignal;
};

export const BROKER_MODES = ['native', 'emqx5', 'emqx4'] as const;
export type BrokerMode = (typeof BROKER_MODES)[number];

export type LocalStack = {
  apiUrl: string;
  mqttUrl: string;
  dynamodbEndpoint: string;
  /** Whether the stack started DynamoDB Local itself. */
  dynamodbStarted: boolean;
  tableName: string;
  node: string;
  app: AppCredentials;
  sigv4Key: SigV4Key;
  appsTableName: string;
  /** What brokers send as `Authorization: Bearer <token>` to `POST /ingest/emqx` and `/ingest/aws-iot`. */
  ingestToken: string;
  brokerMode: BrokerMode;
  /** The EMQX-style REST API of the node, in the emqx modes. */
  emqxApiUrl: string | undefined;
  broker: LocalBroker;
  /** Applies every session change written so far to the counters (they otherwise follow within a second). */
  settleCounters(): Promise<void>;
  stop(): Promise<void>;
};

export const LOCAL_DEFAULTS = {
  host: '127.0.0.1',
  apiPort: 8080,
  mqttPort: 1883,
  tableName: 'sessions',
  shards: 8,
  node: 'local@127.0.0.1',
  app: { appId: 'admin', appSecret: 'public' },
  /** The key pair a SigV4-signed request to the local API is checked with. */
  sigv4Key: { accessKeyId: 'LOCALACCESSKEY000000', secretAccessKey: 'local-secret-access-key' },
  controlUsername: 'clients-api-control',
  controlTopicPrefix: 'clients-api/control',
  kickConfirmTimeoutMs: 3000,
  pubackTimeoutMs: 2000,
  statsIntervalMs: 5000,
  sweepIntervalMs: 60_000,
  reconcileIntervalMs: 30_000,
} as const;

const randomSecret = () => randomBytes(24).toString('base64url');

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => silentLog);
  const host = LOCAL_DEFAULTS.host;
  const tableName = options.tableName ?? LOCAL_DEFAULTS.tableName;
  const shards = options.shards ?? LOCAL_DEFAULTS.shards;
  const node = options.node ?? LOCAL_DEFAULTS.node;
  const app = options.app ?? LOCAL_DEFAULTS.app;
  const sigv4Key = options.sigv4Key ?? LOCAL_DEFAULTS.sigv4Key;
  const control = {
    username: options.control?.username ?? LOCAL_DEFAULTS.controlUsername,
    password: options.control?.password ?? randomSecret(),
    topicPrefix: options.control?.topicPrefix ?? LOCAL_DEFAULTS.controlTopicPrefix,
  };

  const stops: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const step of stops.splice(0).reverse()) await step();
    })());
  try {
    let dynamodb: DynamoDbLocal | undefined;
    if (!options.dynamodbEndpoint) {
      dynamodb = await startDynamoDbLocal();
      stops.push(() => dynamodb!.stop());
    }
    options.signal?.throwIfAborted();
    const endpoint = options.dynamodbEndpoint ?? dynamodb!.endpoint;
    await ensureTable(endpoint, createTableInput(tableName));
    await ensureStream(endpoint, createTableInput(tableName));
    const appsTableName = options.appsTableName ?? LOCAL_APPS_TABLE;
    await ensureTable(endpoint, createAppsTableInput(appsTableName));

    const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
    stops.push(async () => db.destroy());
    const counters = startCounterAggregation(endpoint, db, { tableName, shards }, (error) => log('db').error('counter aggregation failed', error));
    stops.push(() => counters.stop());
    const mode = options.brokerMode ?? 'native';
    const tableWriter = new SessionWriter(db, { tableName, shards });
    let brokerUrl = '';
    const webhooks =
      mode === 'native'
        ? undefined
        : new EmqxWebhookWriter({
            dialect: mode === 'emqx5' ? 'v5' : 'v4',
            table: tableWriter,
            sockname: () => brokerUrl.replace(/^mqtt:\/\//, ''),
            log: log('mqtt'),
          });
    const broker = await startBroker({
      node,
      writer: webhooks ?? tableNodeWriter(tableWriter, new SourceWriter(db, { tableName, shards })),
      control,
      host,
      port: options.mqttPort ?? LOCAL_DEFAULTS.mqttPort,
      ...(options.zone ? { zone: options.zone } : {}),
      statsIntervalMs: options.statsIntervalMs ?? LOCAL_DEFAULTS.statsIntervalMs,
      sweepIntervalMs: options.sweepIntervalMs ?? LOCAL_DEFAULTS.sweepIntervalMs,
      reconciliation: { db, table: { tableName, shards }, intervalMs: options.reconcileIntervalMs ?? LOCAL_DEFAULTS.reconcileIntervalMs },
      log: log('mqtt'),
    });
    stops.push(() => broker.stop());
    brokerUrl = broker.url;
    options.signal?.throwIfAborted();

    let emqxApi: EmqxRestApi | undefined;
    const emqxCredentials = { key: 'clients-api', secret: randomSecret() };
    if (mode !== 'native') {
      emqxApi = await startEmqxRestApi({ backend: standInBackend(broker), credentials: emqxCredentials, host });
      stops.push(() => emqxApi!.stop());
      broker.reconcileThrough(
        new EmqxClientList({
          dialect: mode === 'emqx5' ? 'v5' : 'v4',
          baseUrl: emqxApi.url,
          credentials: async () => emqxCredentials,
          timeoutMs: 5_000,
          pageSize: 1_000,
        }),
      );
    }

    const ingestToken = options.ingestToken ?? randomSecret();
    const table = { tableName, shards, endpoint };
    // Each function's variables from its own contract (functions/config/), as the deployed stack sets them.
    const functions = buildHandlers(
      {
        list: listEnvironment({ ...table, cursorSecret: options.cursorSecret ?? randomSecret() }),
        get: tableEnvironment(table),
        kick: kickEnvironment({
          ...table,
          confirmTimeoutMs: options.kickConfirmTimeoutMs ?? LOCAL_DEFAULTS.kickConfirmTimeoutMs,
          path:
            mode === 'native' || !emqxApi
              ? { via: 'mqtt', control: { brokerUrl: broker.url, ...control, pubackTimeoutMs: options.pubackTimeoutMs ?? LOCAL_DEFAULTS.pubackTimeoutMs } }
              : { via: mode, emqx: { baseUrl: emqxApi.url, key: emqxCredentials.key, secret: emqxCredentials.secret } },
        }),
        ingestEmqx: emqxIngestEnvironment({ ...table, ingestToken: { token: ingestToken } }),
        ingestAwsIot: awsIotIngestEnvironment({ ...table, ingestToken: { token: ingestToken } }),
        // A revoked app stops working locally within a second.
        authorizeApp: appsEnvironment({ appsTableName, cacheTtlMs: 1000, endpoint }),
      },
      {
        AWS_REGION: LOCAL_CLIENT_CONFIG.region,
        AWS_ACCESS_KEY_ID: LOCAL_CLIENT_CONFIG.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CLIENT_CONFIG.credentials.secretAccessKey,
        POWERTOOLS_LOG_LEVEL: options.functionLogLevel ?? 'WARN',
        // CloudWatch metrics mean nothing here; their log lines would drown the request log.
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    );
    stops.push(async () => functions.close());
    const api: ApiServer = await startApiServer({
      handlers: functions.handlers,
      credentials: app,
      sigv4Key,
      host,
      port: options.apiPort ?? LOCAL_DEFAULTS.apiPort,
      log: log('api'),
    });
    stops.push(() => api.stop());
    if (webhooks) {
      webhooks.deliverTo({ url: api.url, token: ingestToken });
      // The node's last webhooks (its clients' disconnects) still need the API: it stops first.
      stops.push(() => broker.stop());
    }
    options.signal?.throwIfAborted();

    return {
      apiUrl: api.url,
      mqttUrl: broker.url,
      dynamodbEndpoint: endpoint,
      dynamodbStarted: dynamodb !== undefined,
      tableName,
      node,
      app,
      sigv4Key,
      appsTableName,
      ingestToken,
      brokerMode: mode,
      emqxApiUrl: emqxApi?.url,
      broker,
      settleCounters: async () => void (await counters.drain()),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
