/**
 * DynamoDB stops answering for longer than the functions may run (its JVM
 * frozen with SIGSTOP): list, get and kick each still answer before the
 * function's time limit, with a 503 that says to retry, and a kick that ran
 * out of time is never sent afterwards.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { createTableInput } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { LOCAL_CLIENT_CONFIG, startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { getFunction, kickFunction, listFunction, type Handler } from '../support/handlers.js';
import { getEvent, kickEvent, listEvent } from '../support/http.js';
import { testBroker, type TestBroker } from '../support/mqtt-broker.js';
import { connected, connection } from '../support/sessions.js';
import type { HttpResponse } from '../../functions/http/response.js';


/** The function limit the handlers are told they have (Lambda's context), and how long DynamoDB stays frozen. */
const LIMIT_MS = 4_000;
const STALL_MS = LIMIT_MS + 3_000;

let dynamodb: DynamoDbLocal;
let broker: TestBroker;
const handlers: Record<'list' | 'get' | 'kick', Handler> = {} as never;
const controlPublishes: string[] = [];

beforeAll(async () => {
  // A DynamoDB Local of this file's own: freezing the shared one would stall every other test.
  dynamodb = await startDynamoDbLocal();
  const tableName = 'stall';
  const db = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  await db.send(new CreateTableCommand(createTableInput(tableName)));
  await new SessionWriter(db, { tableName, shards: 2 }).apply(connected(connection({ clientid: 'stalled', node: 'emqx@node-1' })));
  db.destroy();

  broker = await testBroker();
  const aedes = await broker.start();
  aedes.on('publish', (packet, client) => {
    if (client) controlPublishes.push(packet.topic);
  });
  const env = {
    TABLE_NAME: tableName,
    SESSION_SHARDS: '2',
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    AWS_REGION: LOCAL_CLIENT_CONFIG.region,
    CURSOR_SECRET: 'stall-test-cursor-secret-0123456789',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    KICK_VIA: 'mqtt',
    CONTROL_BROKER_URL: broker.url,
    KICK_CONFIRM_TIMEOUT_MS: '3000',
  };
  handlers.list = listFunction(env);
  handlers.get = getFunction(env);
  handlers.kick = kickFunction(env);
}, 90_000);

afterAll(async () => {
  if (dynamodb?.pid) process.kill(dynamodb.pid, 'SIGCONT');
  await broker?.stop();
  await dynamodb?.stop();
});

/** Calls the handler as Lambda would, with LIMIT_MS left; returns the answer and how long it took. */
async function call(handler: Handler, event: unknown): Promise<{ status: number; body: Record<string, unknown>; elapsed: number; headers: Record<string, unknown> }> {
  const started = Date.now();
  const response = await handler(event, { getRemainingTimeInMillis: () => LIMIT_MS - (Date.now() - started) });
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers ?? {}, elapsed: Date.now() - started };
}

describe('a DynamoDB stall longer than the function limit', () => {
  it('answers every route before the limit with 503 code 101, and sends no kick late', async () => {
    // Warm: the handlers answer normally first.
    expect((await call(handlers.get, getEvent('stalled'))).body).toMatchObject({ code: 0, data: [{ clientid: 'stalled' }] });

    process.kill(dynamodb.pid!, 'SIGSTOP');
    const thawed = new Promise((resolve) => setTimeout(resolve, STALL_MS)).then(() => process.kill(dynamodb.pid!, 'SIGCONT'));
    try {
      const answers = await Promise.all([
        call(handlers.list, listEvent('')),
        call(handlers.get, getEvent('stalled')),
        call(handlers.kick, kickEvent('stalled')),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ code: 101 });
        expect(answer.headers['Retry-After']).toBe('1');
        expect(answer.elapsed).toBeLessThan(LIMIT_MS);
      }
    } finally {
      await thawed;
    }
    // The kick's read answers once DynamoDB thaws; its time is over, so no command may follow.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(controlPublishes.filter((topic) => topic.includes('stalled') || topic.startsWith('clients-api/control'))).toEqual([]);
  }, 30_000);
});
