/**
 * DynamoDB failing under the handlers and the writer, injected into the SDK
 * client's middleware stack: throttling and timeouts become 503 + Retry-After
 * with a `{code, message}` body, other failures a bare 500, and a write that
 * fails at any point leaves the session item and the state counters agreeing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlChannel, KickCommand } from '../../functions/control/channel.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { connKey } from '../../functions/sessions/keys.js';
import type { ConnectionInfo } from '../../functions/sessions/model.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { freePort, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { apiHandlers, type ApiHandlers } from '../support/handlers.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { failFirst, injectFaults, isCommand, type Fault, type FaultInjector } from '../support/dynamodb-faults.js';
import { getEvent, kickEvent, listEvent } from '../support/http.js';
import { connected, connection, disconnected, statistics } from '../support/sessions.js';
import { snapshotTable, tableProblems, withoutRev } from '../support/table-invariants.js';
import { BUSY_MACHINE_HEADROOM_MS } from '../support/timing.js';

let t: TestTable;

/** A client built the way the functions build theirs; one SDK attempt unless asked for more. */
function faultyClient(maxAttempts = 1, endpoint = t.endpoint, overrides: Record<string, unknown> = {}): DynamoDBDocumentClient {
  return createDocumentClient(
    { endpoint, region: LOCAL_CLIENT_CONFIG.region },
    { credentials: LOCAL_CLIENT_CONFIG.credentials, maxAttempts, ...overrides },
  );
}

function recordingChannel(): ControlChannel & { sent: KickCommand[] } {
  const sent: KickCommand[] = [];
  return { sent, send: async (command) => void sent.push(command) };
}

function expectBusy(response: HttpResponse, context: string) {
  expect(response.statusCode, context).toBe(503);
  expect(response.headers?.['Retry-After'], context).toBe('1');
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).sort(), context).toEqual(['code', 'message']);
  expect(body.code, context).toBe(101);
  expect(body.message, context).toEqual(expect.any(String));
  // Neither the injected DynamoDB message nor a stack trace reaches the caller.
  expect(response.body, context).not.toMatch(/injected|Exception|\n\s+at |\.ts:/);
}

const alpha = connection({ clientid: 'alpha', node: 'node-a', connected_at: Date.now() - 60_000 });
const beta = connection({ clientid: 'beta', node: 'node-b', connected_at: Date.now() - 50_000, clean_start: false, expiry_interval: 3600 });

beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
  await t.writer.applyAll([connected(alpha), statistics(alpha, 1, { mqueue_len: 3 }), connected(beta), disconnected(beta, Date.now() - 10_000)]);
});
afterAll(() => t?.drop());

describe('handlers when DynamoDB throttles or times out', () => {
  const faults: Array<[string, Fault]> = [
    ['ProvisionedThroughputExceededException', { kind: 'error-response', type: 'ProvisionedThroughputExceededException' }],
    ['ThrottlingException', { kind: 'error-response', type: 'ThrottlingException' }],
    ['RequestLimitExceeded', { kind: 'error-response', type: 'RequestLimitExceeded' }],
    ['InternalServerError (500)', { kind: 'error-response', type: 'InternalServerError' }],
    ['a request timeout', { kind: 'timeout-before-send' }],
  ];
  const requests: Array<[string, (h: ApiHandlers) => Promise<HttpResponse>]> = [
    ['GET /clients', (h) => h.list(listEvent())],
    ['GET /clients?conn_state=connected', (h) => h.list(listEvent('conn_state=connected'))],
    ['GET /clients?clientid=alpha&clientid=beta', (h) => h.list(listEvent('clientid=alpha&clientid=beta'))],
    ['GET /clients?_gte_mqueue_len=1', (h) => h.list(listEvent('_gte_mqueue_len=1'))],
    ['GET /clients/alpha', (h) => h.get(getEvent('alpha'))],
    ['DELETE /clients/alpha', (h) => h.kick(kickEvent('alpha'))],
  ];

  it.each(faults)('answers every route 503 with Retry-After on %s, and sends no kick', async (_, fault) => {
    const db = faultyClient();
    const injector = injectFaults(db, () => fault);
    const channel = recordingChannel();
    const handlers = apiHandlers({ db, table: t.table, channel });
    for (const [name, call] of requests) expectBusy(await call(handlers), name);
    expect(channel.sent).toEqual([]);
    expect(injector.injected).toBeGreaterThanOrEqual(requests.length);
    db.destroy();
  });

  it('answers 503 when only one of the parallel reads of a list fails (the counter batch), not a partial 200', async () => {
    const db = faultyClient();
    const readsCounters = (r: { commandName: string; input: object }) =>
      r.commandName === 'BatchGetItemCommand' && JSON.stringify(r.input).includes('counter#');
    injectFaults(db, (r) => (readsCounters(r) ? { kind: 'error-response', type: 'ThrottlingException' } : undefined));
    const handlers = apiHandlers({ db, table: t.table });
    expectBusy(await handlers.list(listEvent()), 'GET /clients with the count throttled');
    // With a filter there is no count to read, and the same fault does not matter.
    expect((await handlers.list(listEvent('zone=external'))).statusCode).toBe(200);
    db.destroy();
  });

  it('answers 202 "kick pending" when a kick was sent but its confirmation read is throttled', async () => {
    const db = faultyClient();
    let reads = 0;
    injectFaults(db, (r) => (isCommand('GetItemCommand')(r) && ++reads > 1 ? { kind: 'error-response', type: 'ProvisionedThroughputExceededException' } : undefined));
    const channel = recordingChannel();
    const handlers = apiHandlers({ db, table: t.table, channel });
    const response = await handlers.kick(kickEvent('alpha'));
    // The command is with the broker: a failed confirmation is not a failed kick.
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ code: 0, message: 'kick pending' });
    expect(channel.sent.map((c) => c.clientid)).toEqual(['alpha']);
    db.destroy();
  });

  it('rides out a single throttle with the SDK retries (default attempts) and answers 200', async () => {
    const db = faultyClient(3);
    const injector = injectFaults(db, failFirst(1, { kind: 'error-response', type: 'ProvisionedThroughputExceededException' }));
    const handlers = apiHandlers({ db, table: t.table });
    const response = await handlers.get(getEvent('alpha'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).data[0].clientid).toBe('alpha');
    expect(injector.injected).toBe(1);
    expect(injector.requests.length).toBe(2);
    db.destroy();
  });

  it('answers 503 after the SDK retries (default attempts) give up on a throttle that persists', async () => {
    const db = faultyClient(3);
    const injector = injectFaults(db, () => ({ kind: 'error-response', type: 'ThrottlingException' }));
    const handlers = apiHandlers({ db, table: t.table });
    expectBusy(await handlers.get(getEvent('alpha')), 'GET /clients/alpha, throttled three times');
    expect(injector.requests.length).toBe(3);
    db.destroy();
  });

  it('answers 503 when DynamoDB accepts the connection and never answers (a real socket timeout)', async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => blackHole.listen(port, '127.0.0.1', resolve));
    const db = faultyClient(1, `http://127.0.0.1:${port}`, { requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
    const handlers = apiHandlers({ db, table: t.table });
    const started = Date.now();
    expectBusy(await handlers.get(getEvent('alpha')), 'GET /clients/alpha against a silent endpoint');
    expectBusy(await handlers.list(listEvent('conn_state=connected')), 'GET /clients against a silent endpoint');
    // Bounded by the 300 ms request timeout of each call (plus room for a busy machine), not by the SDK's defaults.
    expect(Date.now() - started).toBeLessThan(2 * 300 + BUSY_MACHINE_HEADROOM_MS);
    db.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it('answers an unexpected DynamoDB error with a bare 500 {code 102}', async () => {
    const db = faultyClient();
    injectFaults(db, () => ({ kind: 'error-response', type: 'ValidationException' }));
    const handlers = apiHandlers({ db, table: t.table });
    for (const response of [await handlers.get(getEvent('alpha')), await handlers.list(listEvent())]) {
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({ code: 102, message: 'internal error' });
    }
    db.destroy();
  });
});

describe('SessionWriter when a write fails part way', () => {
  const rawItem = async (clientid: string) =>
    (await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;

  async function expectConsistent() {
    expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
  }

  function writerWith(fault: Parameters<typeof injectFaults>[1], maxAttempts = 1): { writer: SessionWriter; injector: FaultInjector; db: DynamoDBDocumentClient } {
    const db = faultyClient(maxAttempts);
    const injector = injectFaults(db, fault);
    return { writer: new SessionWriter(db, t.table), injector, db };
  }

  const fresh = (clientid: string, overrides: Partial<ConnectionInfo> = {}) =>
    connection({ clientid, connected_at: Date.now() - 1000, clean_start: false, expiry_interval: 3600, ...overrides });

  /** The counters once the table's stream is applied to them. */
  const settledCounts = async () => {
    await t.settle();
    return t.store.countByState();
  };

  it('writes nothing when the connect write fails before reaching DynamoDB, and applies it once on redelivery', async () => {
    const conn = fresh('tx-before');
    const before = await settledCounts();
    const { writer, db } = writerWith(failFirst(1, { kind: 'timeout-before-send' }, isCommand('PutItemCommand')));
    await expect(writer.apply(connected(conn))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await rawItem('tx-before')).toBeUndefined();
    expect(await settledCounts()).toEqual(before);
    await expectConsistent();
    expect(await writer.apply(connected(conn))).toBe('applied');
    expect((await settledCounts()).connected).toBe(before.connected + 1);
    await expectConsistent();
    db.destroy();
  });

  it('counts the write once when it is applied but its reply is lost, and ignores the redelivery', async () => {
    const conn = fresh('tx-after');
    const before = await settledCounts();
    const { writer, db } = writerWith(failFirst(1, { kind: 'timeout-after-send' }, isCommand('PutItemCommand')));
    await expect(writer.apply(connected(conn))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await rawItem('tx-after'))?.conn_key).toBe(connKey(conn));
    expect((await settledCounts()).connected).toBe(before.connected + 1);
    await expectConsistent();
    expect(await writer.apply(connected(conn))).toBe('ignored');
    expect((await settledCounts()).connected).toBe(before.connected + 1);
    await expectConsistent();
    db.destroy();
  });

  it('recovers inside one apply when the SDK itself retries a write whose reply was lost', async () => {
    const conn = fresh('tx-sdk-retry');
    await t.writer.apply(connected(conn));
    const before = await settledCounts();
    const { writer, injector, db } = writerWith(failFirst(1, { kind: 'timeout-after-send' }, isCommand('PutItemCommand')), 3);
    await writer.apply(disconnected(conn, Date.now()));
    expect((await rawItem('tx-sdk-retry'))?.conn_state).toBe('disconnected');
    expect(await settledCounts()).toEqual({ ...before, connected: before.connected - 1, disconnected: before.disconnected + 1 });
    expect(injector.requests.filter(isCommand('PutItemCommand')).length).toBeGreaterThanOrEqual(2);
    await expectConsistent();
    db.destroy();
  });

  it('leaves the counter alone when the state-changing write is throttled, and the item as it was', async () => {
    const conn = fresh('tx-throttled');
    await t.writer.apply(connected(conn));
    const item = withoutRev(await rawItem('tx-throttled'));
    const before = await settledCounts();
    const { writer, db } = writerWith(() => ({
      kind: 'error-response',
      type: 'ProvisionedThroughputExceededException',
    }));
    await expect(writer.apply(disconnected(conn, Date.now()))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(withoutRev(await rawItem('tx-throttled'))).toEqual(item);
    expect(await settledCounts()).toEqual(before);
    await expectConsistent();
    db.destroy();
  });

  it('fails its conditional write when another writer got in between its read and its write, then retries from a fresh read', async () => {
    const conn = fresh('tx-raced');
    await t.writer.apply(connected(conn));
    const before = await settledCounts();
    let raced = false;
    const { writer, injector, db } = writerWith(async (request) => {
      if (!raced && request.commandName === 'PutItemCommand') {
        raced = true;
        // Another invocation lands a snapshot on the same item first.
        await t.writer.apply(statistics(conn, 7, { mqueue_len: 42 }));
      }
      return undefined;
    });
    expect(await writer.apply(disconnected(conn, Date.now()))).toBe('applied');
    const item = await rawItem('tx-raced');
    expect(item).toMatchObject({ conn_state: 'disconnected', stats_seq: 7, mqueue_len: 42 });
    expect(injector.requests.filter(isCommand('PutItemCommand')).length).toBe(2);
    expect(await settledCounts()).toEqual({ ...before, connected: before.connected - 1, disconnected: before.disconnected + 1 });
    await expectConsistent();
    db.destroy();
  });

  it('drops its stale disconnect when a takeover by a newer connection got in between', async () => {
    const old = fresh('tx-takeover', { node: 'node-a', conn_id: 'old' });
    const newer = fresh('tx-takeover', { node: 'node-b', conn_id: 'new', connected_at: old.connected_at + 500 });
    await t.writer.apply(connected(old));
    const before = await settledCounts();
    let raced = false;
    const { writer, db } = writerWith(async (request) => {
      if (!raced && request.commandName === 'PutItemCommand') {
        raced = true;
        await t.writer.apply(connected(newer));
      }
      return undefined;
    });
    expect(await writer.apply(disconnected(old, Date.now()))).toBe('ignored');
    expect(await rawItem('tx-takeover')).toMatchObject({ conn_state: 'connected', conn_key: connKey(newer), node: 'node-b' });
    expect(await settledCounts()).toEqual(before);
    await expectConsistent();
    db.destroy();
  });

  it('leaves the item unchanged when the snapshot update is throttled', async () => {
    const conn = fresh('stats-throttled');
    await t.writer.apply(connected(conn));
    const item = await rawItem('stats-throttled');
    const { writer, db } = writerWith(() => ({ kind: 'error-response', type: 'ProvisionedThroughputExceededException' }));
    await expect(writer.apply(statistics(conn, 1, { mqueue_len: 9 }))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(await rawItem('stats-throttled')).toEqual(item);
    await expectConsistent();
    db.destroy();
  });
});
