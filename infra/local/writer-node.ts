/**
 * `npm run broker`: the aedes broker node of `infra/local/broker/` as the
 * session writer of a deployed `broker=mqtt` stack. Its clients' sessions go
 * to the stack's table (`TABLE_NAME`, with the AWS SDK's usual credentials
 * and region), it executes the kick function's commands from its control
 * topic (`CONTROL_USERNAME` / `CONTROL_PASSWORD`: the stack's control
 * secret), and reconciles the table with what it holds. It runs until
 * Ctrl-C, SIGTERM or SIGHUP, which close its clients and write their
 * disconnects before it exits.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { startBuiltInBroker } from './built-in-broker.js';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';
import { exposureWarning } from './listen-address.js';
import { consoleLog } from './log.js';
import { watchParent } from './parent-watch.js';
import { quietAwsSdk, requirePortsFree } from './preflight.js';
import { LOCAL_DEFAULTS } from './stack.js';

const settingsSchema = z.object({
  TABLE_NAME: z.string().min(3).max(255),
  // The stack's sessionShards: a node writing other shards would hide its sessions from the list.
  SESSION_SHARDS: z.coerce.number().int().min(1).max(256).default(LOCAL_DEFAULTS.shards),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  NODE_NAME: z.string().min(1).refine((v) => !v.includes('#'), 'NODE_NAME must not contain #').default(`writer@${hostname()}`),
  LISTEN_HOST: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default(LOCAL_DEFAULTS.host),
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(LOCAL_DEFAULTS.mqttPort),
  CONTROL_USERNAME: z.string().min(1).default(LOCAL_DEFAULTS.controlUsername),
  CONTROL_PASSWORD: z.string().min(1),
  CONTROL_TOPIC_PREFIX: z.string().min(1).default(LOCAL_DEFAULTS.controlTopicPrefix),
  STATS_INTERVAL_MS: z.coerce.number().int().min(100).default(LOCAL_DEFAULTS.statsIntervalMs),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(LOCAL_DEFAULTS.sweepIntervalMs),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(LOCAL_DEFAULTS.reconcileIntervalMs),
});

function loadSettings(env: NodeJS.ProcessEnv) {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  if (!parsed.data.DYNAMODB_ENDPOINT && !parsed.data.AWS_REGION) throw new Error('AWS_REGION: the region of the table is required');
  return parsed.data;
}

async function main(): Promise<void> {
  quietAwsSdk();
  const settings = loadSettings(process.env);
  const exposure = exposureWarning(settings.LISTEN_HOST, 'MQTT clients on other machines can connect without credentials (only the control login is reserved)');
  if (exposure) console.warn(exposure);
  await requirePortsFree(settings.LISTEN_HOST, [{ port: settings.MQTT_PORT, setting: 'MQTT_PORT' }]);
  const db = createDocumentClient({ endpoint: settings.DYNAMODB_ENDPOINT, region: settings.AWS_REGION ?? LOCAL_CLIENT_CONFIG.region });
  const stops: Array<() => Promise<void>> = [];
  const node = await startBuiltInBroker({
    mode: 'native',
    db,
    table: { tableName: settings.TABLE_NAME, shards: settings.SESSION_SHARDS },
    node: settings.NODE_NAME,
    control: { username: settings.CONTROL_USERNAME, password: settings.CONTROL_PASSWORD, topicPrefix: settings.CONTROL_TOPIC_PREFIX },
    host: settings.LISTEN_HOST,
    port: settings.MQTT_PORT,
    loopback: LOCAL_DEFAULTS.host,
    statsIntervalMs: settings.STATS_INTERVAL_MS,
    sweepIntervalMs: settings.SWEEP_INTERVAL_MS,
    reconcileIntervalMs: settings.RECONCILE_INTERVAL_MS,
    pubackTimeoutMs: LOCAL_DEFAULTS.pubackTimeoutMs,
    log: consoleLog('mqtt'),
    stops,
  });
  console.log(`broker node "${settings.NODE_NAME}" at ${node.broker.url}, writing table "${settings.TABLE_NAME}" (${settings.SESSION_SHARDS} shards); Ctrl-C stops it`);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${reason}: stopping…`);
    // Writes that cannot land (the table gone) must not keep the node up: its clients are already closed.
    setTimeout(() => process.exit(1), 10_000).unref();
    void (async () => {
      for (const step of stops.reverse()) await step();
      db.destroy();
      console.log('stopped');
      process.exit(0);
    })();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  watchParent(() => stop('the parent process is gone'));
}

main().catch((error: unknown) => {
  console.error(`npm run broker failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
