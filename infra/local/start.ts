/**
 * `npm start`: the local stack in the foreground until Ctrl-C, SIGTERM or
 * SIGHUP, which stop everything it started, DynamoDB Local's JVM included,
 * also when they arrive while it is still starting. Its children end with it
 * however it ends: DynamoDB Local's JVM and tsx's esbuild exit when their
 * standard input, a pipe from this process, closes (also on SIGKILL), and
 * this process stops when npm, its parent, is killed outright.
 */
import { requireDynamoDbAt } from './dynamodb-local.js';
import { consoleLog } from './log.js';
import { watchParent } from './parent-watch.js';
import { quietAwsSdk, requireJava, requirePortsFree } from './preflight.js';
import { exposureWarning } from './listen-address.js';
import { loadSettings, remoteBroker, SETTING_NAMES, stackOptions } from './settings.js';
import { startBrokerlessStack, startLocalStack, type BrokerlessStack, type LocalStack } from './stack.js';
import { unknownVariableWarnings } from './unknown-variables.js';

quietAwsSdk();

const aborted = new AbortController();
let stack: LocalStack | BrokerlessStack | undefined;
let stopRequestedAt = 0;
/** tsx re-sends a signal it could not see delivered; only a later one means "now". */
const REPEAT_GRACE_MS = 1000;
/** A stop that takes longer (a table that does not answer) is cut short: every child ends within 5 s. */
const STOP_DEADLINE_MS = 4_500;

function shutdown(reason: string): void {
  if (aborted.signal.aborted) {
    if (Date.now() - stopRequestedAt < REPEAT_GRACE_MS) return;
    // process.exit still runs the exit hook that kills DynamoDB Local.
    console.log(`${reason} again: exiting now`);
    process.exit(1);
  }
  console.log(`${reason}: stopping…`);
  stopRequestedAt = Date.now();
  aborted.abort();
  setTimeout(() => {
    console.error(`stopping took longer than ${STOP_DEADLINE_MS / 1000} s: exiting now`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  // While starting, the start itself stops what it started and main() exits.
  stack?.stop().then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

/** The broker lines: the built-in node and its stand-in API with the key pair it takes, or where kicks go. */
function brokerLines(started: LocalStack | BrokerlessStack, kickTarget: string): string[] {
  if (!started.broker) return [`  Broker        none built in (BROKER_MODE=none); ${kickTarget}`];
  const { emqxApiUrl, emqxApiCredentials: credentials } = started;
  return [
    `  MQTT broker   ${started.mqttUrl}  node "${started.node}", MQTT 3.1, 3.1.1 and 5.0`,
    ...(emqxApiUrl && credentials
      ? [
          `  As ${started.brokerMode}    events posted to /ingest/emqx; its REST API (kicks, reconciliation) at ${emqxApiUrl}`,
          `                key ${credentials.key}, secret ${credentials.secret}  (curl -u ${credentials.key}:${credentials.secret} ${emqxApiUrl}/api/${started.brokerMode === 'emqx5' ? 'v5' : 'v4'}/clients)`,
        ]
      : []),
  ];
}

function banner(started: LocalStack | BrokerlessStack, kickTarget: string): string {
  const { appId, appSecret } = started.app;
  const db = `${started.dynamodbEndpoint}${started.dynamodbStarted ? ' (DynamoDB Local, in memory)' : ''}`;
  return [
    '',
    `  DynamoDB      ${db}, table "${started.tableName}"`,
    ...brokerLines(started, kickTarget),
    `  Clients API   ${started.apiUrl}/clients  (EMQX 4.4: /api/v4/clients, EMQX 5: /api/v5/clients)`,
    '',
    `  curl -u ${appId}:${appSecret} ${started.apiUrl}/clients`,
    `  curl -u ${appId}:${appSecret} -X DELETE ${started.apiUrl}/clients/<clientid>`,
    `  SigV4 (service execute-api, any region): AWS_ACCESS_KEY_ID=${started.sigv4Key.accessKeyId} AWS_SECRET_ACCESS_KEY=${started.sigv4Key.secretAccessKey}`,
    `  Apps of /api/v4 and /api/v5: npm run apps -- create <name> --endpoint ${started.dynamodbEndpoint}${started.appsTableName !== 'apps' ? ` --table ${started.appsTableName}` : ''}`,
    '',
    `  Broker events  POST ${started.apiUrl}/ingest/emqx  and  /ingest/aws-iot`,
    `  Ingest token   ${started.ingestToken}  (Authorization: Bearer …; set INGEST_TOKEN to choose it)`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** Where BROKER_MODE=none sends kicks, as the banner says it. */
function kickTarget(settings: ReturnType<typeof loadSettings>): string {
  switch (settings.KICK_VIA) {
    case 'emqx5':
    case 'emqx4':
      return `kicks and reconciliation through the EMQX REST API at ${settings.EMQX_API_URL} (KICK_VIA=${settings.KICK_VIA})`;
    case 'aws-iot':
      return `kicks through AWS IoT's DeleteConnection${settings.IOT_DATA_ENDPOINT ? ` at ${settings.IOT_DATA_ENDPOINT}` : ''} in ${settings.AWS_REGION} (KICK_VIA=aws-iot)`;
    default:
      return `kicks through the control topic of ${settings.CONTROL_BROKER_URL} (KICK_VIA=mqtt)`;
  }
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  watchParent(() => shutdown('the parent process is gone'));
  const settings = loadSettings();
  for (const warning of unknownVariableWarnings(process.env, SETTING_NAMES)) console.warn(`warning: ${warning}`);
  const exposure = exposureWarning(settings.LISTEN_HOST);
  if (exposure) console.warn(exposure);
  // Everything that can be checked is checked before anything starts.
  const remote = remoteBroker(settings);
  await requirePortsFree(settings.LISTEN_HOST, [
    { port: settings.PORT, setting: 'PORT' },
    ...(remote ? [] : [{ port: settings.MQTT_PORT, setting: 'MQTT_PORT' }]),
  ]);
  if (settings.DYNAMODB_ENDPOINT) {
    await requireDynamoDbAt(settings.DYNAMODB_ENDPOINT, 'DYNAMODB_ENDPOINT');
  } else {
    await requireJava();
    console.log('Starting DynamoDB Local (in memory)…');
  }
  try {
    const options = { ...stackOptions(settings), log: consoleLog, signal: aborted.signal };
    stack = remote ? await startBrokerlessStack(options, remote) : await startLocalStack(options);
  } catch (error) {
    if (aborted.signal.aborted) {
      console.log('stopped');
      process.exit(0);
    }
    throw error;
  }
  if (aborted.signal.aborted) {
    await stack.stop();
    console.log('stopped');
    process.exit(0);
  }
  console.log(banner(stack, kickTarget(settings)));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { code?: string }).code === 'EADDRINUSE' ? ' (choose other ports with PORT and MQTT_PORT)' : '';
  // One line: what failed and, for a LocalSetupError, what to do.
  console.error(`npm start failed: ${message}${hint}`);
  process.exit(1);
});
