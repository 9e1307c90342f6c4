/** `npm start`'s settings, from the environment; each has a default that works on a fresh checkout. */
import { z } from 'zod';
import { REMOTE_BROKER_VARIABLES, remoteBrokerOf, type RemoteBroker } from './remote-broker.js';
import { BROKER_MODES, LOCAL_DEFAULTS, type LocalStackOptions } from './stack.js';

const port = z.coerce.number().int().min(1).max(65535);
const millis = (min: number) => z.coerce.number().int().min(min);

const settingsSchema = z.object({
  PORT: port.default(LOCAL_DEFAULTS.apiPort),
  MQTT_PORT: port.default(LOCAL_DEFAULTS.mqttPort),
  APP_ID: z.string().min(1).default(LOCAL_DEFAULTS.app.appId),
  APP_SECRET: z.string().min(1).default(LOCAL_DEFAULTS.app.appSecret),
  LOCAL_ACCESS_KEY_ID: z.string().min(1).default(LOCAL_DEFAULTS.sigv4Key.accessKeyId),
  LOCAL_SECRET_ACCESS_KEY: z.string().min(1).default(LOCAL_DEFAULTS.sigv4Key.secretAccessKey),
  APPS_TABLE_NAME: z.string().min(3).max(255).optional(),
  // A connection key is `<ms>#<node>#<conn_id>`: a `#` in the node name would make two connections one.
  NODE_NAME: z.string().min(1).refine((v) => !v.includes('#'), 'NODE_NAME must not contain #').default(LOCAL_DEFAULTS.node),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TABLE_NAME: z.string().min(3).max(255).default(LOCAL_DEFAULTS.tableName),
  SESSION_SHARDS: z.coerce.number().int().min(1).max(256).default(LOCAL_DEFAULTS.shards),
  ZONE: z.string().min(1).default('external'),
  SESSION_EXPIRY_INTERVAL: z.coerce.number().int().min(0).default(7200),
  STATS_INTERVAL_MS: millis(100).default(LOCAL_DEFAULTS.statsIntervalMs),
  SWEEP_INTERVAL_MS: millis(1000).default(LOCAL_DEFAULTS.sweepIntervalMs),
  RECONCILE_INTERVAL_MS: millis(1000).default(LOCAL_DEFAULTS.reconcileIntervalMs),
  CONTROL_USERNAME: z.string().min(1).default(LOCAL_DEFAULTS.controlUsername),
  CONTROL_PASSWORD: z.string().min(1).optional(),
  CONTROL_TOPIC_PREFIX: z.string().min(1).default(LOCAL_DEFAULTS.controlTopicPrefix),
  CONTROL_PUBACK_TIMEOUT_MS: millis(100).default(LOCAL_DEFAULTS.pubackTimeoutMs),
  KICK_CONFIRM_TIMEOUT_MS: millis(0).default(LOCAL_DEFAULTS.kickConfirmTimeoutMs),
  CURSOR_SECRET: z.string().min(16).optional(),
  INGEST_TOKEN: z.string().min(16).optional(),
  BROKER_MODE: z.enum(BROKER_MODES).default('native'),
  POWERTOOLS_LOG_LEVEL: z.string().default('WARN'),
  LISTEN_HOST: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default(LOCAL_DEFAULTS.host),
  // A broker of one's own (BROKER_MODE=none), under the deployed functions' names; checked by their loader.
  KICK_VIA: z.string().optional(),
  EMQX_API_URL: z.string().optional(),
  EMQX_API_KEY: z.string().optional(),
  EMQX_API_SECRET: z.string().optional(),
  IOT_DATA_ENDPOINT: z.string().optional(),
  CONTROL_BROKER_URL: z.string().optional(),
  AWS_REGION: z.string().optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Every variable `npm start` reads: its settings, and what DynamoDB Local's start reads. */
export const SETTING_NAMES: readonly string[] = [
  ...Object.keys(settingsSchema.shape),
  'JAVA',
  'DYNAMODB_LOCAL_CACHE',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const settings = parsed.data;
  const mode = settings.BROKER_MODE;
  if (mode !== 'none') {
    // With a built-in broker they would be silently ignored: the stand-in takes the kicks.
    const own = REMOTE_BROKER_VARIABLES.filter((name) => settings[name] !== undefined && !(name === 'KICK_VIA' && settings.KICK_VIA === kickViaOf(mode)));
    if (own.length > 0) {
      throw new Error(
        `${own.join(', ')} ${own.length > 1 ? 'name' : 'names'} a broker of your own, but BROKER_MODE=${mode} runs the built-in one, which takes the kicks: set BROKER_MODE=none to put the API in front of your broker`,
      );
    }
  }
  return settings;
}

const kickViaOf = (mode: 'native' | 'emqx5' | 'emqx4') => (mode === 'native' ? 'mqtt' : mode);

/** With BROKER_MODE=none, where kicks and the reconciliation go; a missing variable fails here, before anything starts. */
export function remoteBroker(settings: Settings): RemoteBroker | undefined {
  if (settings.BROKER_MODE !== 'none') return undefined;
  return remoteBrokerOf(
    { ...settings, CONTROL_USERNAME: settings.CONTROL_USERNAME, CONTROL_PASSWORD: settings.CONTROL_PASSWORD, CONTROL_TOPIC_PREFIX: settings.CONTROL_TOPIC_PREFIX },
    { tableName: settings.TABLE_NAME, shards: settings.SESSION_SHARDS },
  );
}

export function stackOptions(settings: Settings): LocalStackOptions {
  return {
    host: settings.LISTEN_HOST,
    apiPort: settings.PORT,
    mqttPort: settings.MQTT_PORT,
    ...(settings.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: settings.DYNAMODB_ENDPOINT } : {}),
    tableName: settings.TABLE_NAME,
    shards: settings.SESSION_SHARDS,
    node: settings.NODE_NAME,
    app: { appId: settings.APP_ID, appSecret: settings.APP_SECRET },
    sigv4Key: { accessKeyId: settings.LOCAL_ACCESS_KEY_ID, secretAccessKey: settings.LOCAL_SECRET_ACCESS_KEY },
    ...(settings.APPS_TABLE_NAME ? { appsTableName: settings.APPS_TABLE_NAME } : {}),
    control: {
      username: settings.CONTROL_USERNAME,
      ...(settings.CONTROL_PASSWORD ? { password: settings.CONTROL_PASSWORD } : {}),
      topicPrefix: settings.CONTROL_TOPIC_PREFIX,
    },
    kickConfirmTimeoutMs: settings.KICK_CONFIRM_TIMEOUT_MS,
    pubackTimeoutMs: settings.CONTROL_PUBACK_TIMEOUT_MS,
    statsIntervalMs: settings.STATS_INTERVAL_MS,
    sweepIntervalMs: settings.SWEEP_INTERVAL_MS,
    reconcileIntervalMs: settings.RECONCILE_INTERVAL_MS,
    zone: { name: settings.ZONE, sessionExpiryInterval: settings.SESSION_EXPIRY_INTERVAL },
    ...(settings.CURSOR_SECRET ? { cursorSecret: settings.CURSOR_SECRET } : {}),
    ...(settings.INGEST_TOKEN ? { ingestToken: settings.INGEST_TOKEN } : {}),
    ...(settings.BROKER_MODE !== 'none' ? { brokerMode: settings.BROKER_MODE } : {}),
    functionLogLevel: settings.POWERTOOLS_LOG_LEVEL,
  };
}
