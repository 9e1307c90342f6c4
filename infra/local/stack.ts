/**
 * The whole service on one machine: DynamoDB Local with the sessions table,
 * a broker node reporting to it, and the API's handler functions behind a
 * local HTTP server, on loopback ports. `npm start` runs it; tests start it
 * on free ports against their own table.
 */
import { randomBytes } from 'node:crypto';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { createTableInput } from '../../functions/sessions/table.js';
import { buildHandlers } from './api/handlers.js';
import {
  appsEnvironment,
  awsIotIngestEnvironment,
  emqxIngestEnvironment,
  getEnvironment,
  kickEnvironment,
  listEnvironment,
  liveStatisticsAlong,
} from '../../functions/config.js';
import { startApiServer, type ApiServer } from './api/server.js';
import type { AppCredentials } from '../../functions/apps/basic-auth.js';
import type { SigV4Key } from './api/sigv4-auth.js';
import { ensureIndexes, ensureStream, ensureTable, LOCAL_APPS_TABLE } from './tables.js';
import { startCounterAggregation } from './stream-consumer.js';
import { createAppsTableInput } from '../../functions/apps/table.js';
import type { ZoneSettings } from './broker/connection-info.js';
import { LOCAL_CLIENT_CONFIG, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { silentLog, type LocalLog } from './log.js';
import type { LocalBroker } from './broker/broker.js';
import { startRemoteReconciliation, type RemoteBroker } from './remote-broker.js';
import { startBuiltInBroker } from './built-in-broker.js';

export type LocalStackOptions = {
  /** The API's and the broker's listen address; DynamoDB Local and the EMQX stand-in stay on loopback. */
  host?: string;
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
  brokerMode?: BuiltInBrokerMode;
  /** POWERTOOLS_LOG_LEVEL of the handler functions. */
  functionLogLevel?: string;
  log?: (part: 'db' | 'mqtt' | 'api') => LocalLog;
  /** Aborting it while the stack starts stops what has started and rejects. */
  signal?: AbortSignal;
};

/** `none`: no built-in broker; the API in front of a broker of one's own (`remoteBroker`). */
export const BROKER_MODES = ['native', 'emqx5', 'emqx4', 'none'] as const;
export type BrokerMode = (typeof BROKER_MODES)[number];
export type BuiltInBrokerMode = Exclude<BrokerMode, 'none'>;

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
  brokerMode: BuiltInBrokerMode;
  /** The EMQX-style REST API of the node, in the emqx modes, and the key pair it takes. */
  emqxApiUrl: string | undefined;
  emqxApiCredentials: { key: string; secret: string } | undefined;
  broker: LocalBroker;
  /** Applies every session change written so far to the counters (they otherwise follow within a second). */
  settleCounters(): Promise<void>;
  stop(): Promise<void>;
};

/** The stack of `brokerMode` none: everything but a broker. */
export type BrokerlessStack = Omit<LocalStack, 'broker' | 'mqttUrl' | 'emqxApiUrl' | 'emqxApiCredentials' | 'brokerMode'> & {
  brokerMode: 'none';
  broker: undefined;
  mqttUrl: undefined;
  emqxApiUrl: undefined;
  emqxApiCredentials: undefined;
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

export function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startStack(options);
}

/** The stack without a broker of its own, in front of `remote` (`BROKER_MODE=none`). */
export function startBrokerlessStack(options: Omit<LocalStackOptions, 'brokerMode'>, remote: RemoteBroker): Promise<BrokerlessStack> {
  return startStack(options, remote);
}

function startStack(options: LocalStackOptions, remote?: undefined): Promise<LocalStack>;
function startStack(options: LocalStackOptions, remote: RemoteBroker): Promise<BrokerlessStack>;
async function startStack(options: LocalStackOptions, remote?: RemoteBroker): Promise<LocalStack | BrokerlessStack> {
  const log = options.log ?? (() => silentLog);
  const host = options.host ?? LOCAL_DEFAULTS.host;
  const loopback = LOCAL_DEFAULTS.host;
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
    await ensureIndexes(endpoint, createTableInput(tableName));
    const appsTableName = options.appsTableName ?? LOCAL_APPS_TABLE;
    await ensureTable(endpoint, createAppsTableInput(appsTableName));

    const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
    stops.push(async () => db.destroy());
    const counters = startCounterAggregation(endpoint, db, { tableName, shards }, (error) => log('db').error('counter aggregation failed', error));
    stops.push(() => counters.stop());
    const mode = remote ? 'none' : (options.brokerMode ?? 'native');
    const builtIn =
      mode === 'none'
        ? undefined
        : await startBuiltInBroker({
            mode,
            db,
            table: { tableName, shards },
            node,
            control,
            host,
            port: options.mqttPort ?? LOCAL_DEFAULTS.mqttPort,
            loopback,
            ...(options.zone ? { zone: options.zone } : {}),
            statsIntervalMs: options.statsIntervalMs ?? LOCAL_DEFAULTS.statsIntervalMs,
            sweepIntervalMs: options.sweepIntervalMs ?? LOCAL_DEFAULTS.sweepIntervalMs,
            reconcileIntervalMs: options.reconcileIntervalMs ?? LOCAL_DEFAULTS.reconcileIntervalMs,
            pubackTimeoutMs: options.pubackTimeoutMs ?? LOCAL_DEFAULTS.pubackTimeoutMs,
            log: log('mqtt'),
            stops,
          });
    options.signal?.throwIfAborted();

    const ingestToken = options.ingestToken ?? randomSecret();
    const table = { tableName, shards, endpoint };
    // Each function's variables from its own contract (functions/config/), as the deployed stack sets them.
    const runtime = {
      AWS_REGION: LOCAL_CLIENT_CONFIG.region,
      AWS_ACCESS_KEY_ID: LOCAL_CLIENT_CONFIG.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CLIENT_CONFIG.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: options.functionLogLevel ?? 'WARN',
      // CloudWatch metrics mean nothing here; their log lines would drown the request log.
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const functions = buildHandlers(
      {
        list: listEnvironment({ ...table, cursorSecret: options.cursorSecret ?? randomSecret() }),
        // An EMQX cluster (or its stand-in) is asked for a shown client's live counters through the kicks' API.
        get: getEnvironment({ ...table, liveStatistics: liveStatisticsAlong(builtIn?.kick ?? remote!.kick) }),
        kick: {
          ...kickEnvironment({
            ...table,
            confirmTimeoutMs: options.kickConfirmTimeoutMs ?? LOCAL_DEFAULTS.kickConfirmTimeoutMs,
            path: builtIn?.kick ?? remote!.kick,
          }),
          // A broker of one's own is called in its own region (AWS IoT); the table stays DynamoDB Local's.
          ...(remote ? { AWS_REGION: remote.region } : {}),
        },
        ingestEmqx: emqxIngestEnvironment({ ...table, ingestToken: { token: ingestToken } }),
        ingestAwsIot: awsIotIngestEnvironment({ ...table, ingestToken: { token: ingestToken } }),
        // A revoked app stops working locally within a second.
        authorizeApp: appsEnvironment({ appsTableName, cacheTtlMs: 1000, endpoint }),
      },
      runtime,
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
    if (builtIn) {
      builtIn.deliverWebhooks({ url: api.url, token: ingestToken });
      // The node's last webhooks (its clients' disconnects) still need the API: it stops first.
      stops.push(() => builtIn.broker.stop());
    } else {
      const reconciliation = startRemoteReconciliation({
        broker: remote!,
        table,
        db,
        runtime,
        intervalMs: options.reconcileIntervalMs ?? LOCAL_DEFAULTS.reconcileIntervalMs,
        log: log('api'),
      });
      stops.push(() => reconciliation.stop());
    }
    options.signal?.throwIfAborted();

    const common = {
      apiUrl: api.url,
      dynamodbEndpoint: endpoint,
      dynamodbStarted: dynamodb !== undefined,
      tableName,
      node,
      app,
      sigv4Key,
      appsTableName,
      ingestToken,
      settleCounters: async () => void (await counters.drain()),
      stop,
    };
    if (!builtIn) return { ...common, brokerMode: 'none', mqttUrl: undefined, emqxApiUrl: undefined, emqxApiCredentials: undefined, broker: undefined };
    const { emqxApi } = builtIn;
    return {
      ...common,
      brokerMode: options.brokerMode ?? 'native',
      mqttUrl: builtIn.broker.url,
      emqxApiUrl: emqxApi?.url,
      emqxApiCredentials: emqxApi ? { key: emqxApi.key, secret: emqxApi.secret } : undefined,
      broker: builtIn.broker,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
