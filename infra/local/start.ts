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
import { loadSettings, stackOptions } from './settings.js';
import { LOCAL_DEFAULTS, startLocalStack, type LocalStack } from './stack.js';

quietAwsSdk();

const aborted = new AbortController();
let stack: LocalStack | undefined;
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

function banner(started: LocalStack): string {
  const { appId, appSecret } = started.app;
  const db = `${started.dynamodbEndpoint}${started.dynamodbStarted ? ' (DynamoDB Local, in memory)' : ''}`;
  return [
    '',
    `  DynamoDB      ${db}, table "${started.tableName}"`,
    `  MQTT broker   ${started.mqttUrl}  node "${started.node}", MQTT 3.1, 3.1.1 and 5.0`,
    ...(started.emqxApiUrl
      ? [`  As ${started.brokerMode}    events posted to /ingest/emqx; its REST API (kicks, reconciliation) at ${started.emqxApiUrl}`]
      : []),
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

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  watchParent(() => shutdown('the parent process is gone'));
  const settings = loadSettings();
  // Everything that can be checked is checked before anything starts.
  await requirePortsFree(LOCAL_DEFAULTS.host, [
    { port: settings.PORT, setting: 'PORT' },
    { port: settings.MQTT_PORT, setting: 'MQTT_PORT' },
  ]);
  if (settings.DYNAMODB_ENDPOINT) {
    await requireDynamoDbAt(settings.DYNAMODB_ENDPOINT, 'DYNAMODB_ENDPOINT');
  } else {
    await requireJava();
    console.log('Starting DynamoDB Local (in memory)…');
  }
  try {
    stack = await startLocalStack({ ...stackOptions(settings), log: consoleLog, signal: aborted.signal });
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
  console.log(banner(stack));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { code?: string }).code === 'EADDRINUSE' ? ' (choose other ports with PORT and MQTT_PORT)' : '';
  // One line: what failed and, for a LocalSetupError, what to do.
  console.error(`npm start failed: ${message}${hint}`);
  process.exit(1);
});
