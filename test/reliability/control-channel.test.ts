/**
 * The broker behind the control channel goes away and comes back: kicks
 * answer 503 + Retry-After and change nothing while it is down or silent,
 * and work again once it is back, through a real MqttControlChannel and an
 * in-process aedes broker on a loopback port.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MqttControlChannel } from '../../functions/control/mqtt-channel.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { apiHandlers, type ApiHandlers } from '../support/handlers.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { FakeNode, TEST_TOPIC_PREFIX } from '../support/fake-node.js';
import { kickEvent } from '../support/http.js';
import { testBroker, type TestBroker } from '../support/mqtt-broker.js';
import { connected, connection } from '../support/sessions.js';
import { snapshotTable, tableProblems } from '../support/table-invariants.js';
import { BUSY_MACHINE_HEADROOM_MS } from '../support/timing.js';

const CHANNEL_TIMEOUT_MS = 400;

let t: TestTable;
let broker: TestBroker;
let node: FakeNode;
let channel: MqttControlChannel;
let handlers: ApiHandlers;

function expectUnavailable(response: HttpResponse) {
  expect(response.statusCode).toBe(503);
  expect(response.headers?.['Retry-After']).toBe('1');
  const body = JSON.parse(response.body) as { code: number; message: string };
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe(101);
  expect(body.message).toBe('the broker is unavailable, retry later');
}

let sequence = 0;

/** Live sessions of clientids no other test uses, on the given node names. */
async function sessions(...nodes: string[]): Promise<string[]> {
  const now = Date.now();
  const clientids = nodes.map(() => `k${++sequence}`);
  await t.writer.applyAll(clientids.map((clientid, i) => connected(connection({ clientid, node: nodes[i]!, connected_at: now - 1000 * (i + 1) }))));
  return clientids;
}

/** What the node did with the kicks of `clientids`, in order. */
const executionsOf = (clientids: readonly string[]) =>
  node.executions.filter((e) => clientids.includes(e.command.clientid)).map((e) => [e.command.clientid, e.outcome]);

/** Starts the broker again (and the node on it) if a test stopped it. */
async function brokerUp(): Promise<void> {
  if (broker.running) return;
  await node.attach(await broker.start());
}

beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
  broker = await testBroker();
  node = new FakeNode(t.store, t.writer);
  await node.attach(broker.aedes);
  channel = new MqttControlChannel({ url: broker.url, topicPrefix: TEST_TOPIC_PREFIX, timeoutMs: CHANNEL_TIMEOUT_MS, credentials: async () => ({}) });
  handlers = apiHandlers({ db: t.db, table: t.table, channel, confirmTimeoutMs: 2_000 });
});
// Every test starts with the broker up, whichever ran before it.
beforeEach(brokerUp);
afterAll(async () => {
  await channel?.close();
  await broker?.stop();
  await t?.drop();
});

describe('kick while the control channel is up, down, and up again', () => {
  it('kicks through the broker while it is up (node names with /, + and # included)', async () => {
    const clientids = await sessions('node-a', 'node/b+#');
    for (const clientid of clientids) {
      const response = await handlers.kick(kickEvent(clientid));
      expect(response.statusCode, clientid).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ code: 0 });
      expect(await t.store.get(clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    }
    expect(executionsOf(clientids)).toEqual(clientids.map((clientid) => [clientid, 'terminated']));
  });

  it('answers 503 and changes nothing while the broker is down, each time within the channel timeout', async () => {
    const [clientid] = await sessions('node/b+#');
    await broker.stop();
    const before = await snapshotTable(t.db, t.table);
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = Date.now();
      expectUnavailable(await handlers.kick(kickEvent(clientid!)));
      // The channel's own timeout (plus room for a busy machine), not mqtt.js's 30 s connect timeout.
      expect(Date.now() - started).toBeLessThan(CHANNEL_TIMEOUT_MS + BUSY_MACHINE_HEADROOM_MS);
    }
    const after = await snapshotTable(t.db, t.table);
    expect(after.sessions).toEqual(before.sessions);
    expect(after.counters).toEqual(before.counters);
    expect(executionsOf([clientid!])).toEqual([]);
  });

  it('kicks again once the broker is back, with no kick from the outage delivered late', async () => {
    const [clientid] = await sessions('node-a');
    await broker.stop();
    expectUnavailable(await handlers.kick(kickEvent(clientid!)));
    await brokerUp();
    const response = await handlers.kick(kickEvent(clientid!));
    expect(response.statusCode).toBe(200);
    expect(await t.store.get(clientid!, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    await node.idle();
    // One execution: the command refused during the outage never reached the node.
    expect(executionsOf([clientid!])).toEqual([[clientid, 'terminated']]);
    expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
  });

  it('answers 503 and changes nothing when the broker takes the connection but never acknowledges the command', async () => {
    const [clientid] = await sessions('node/b+#');
    const silent = await testBroker({ authorizePublish: () => undefined });
    const silentChannel = new MqttControlChannel({ url: silent.url, topicPrefix: TEST_TOPIC_PREFIX, timeoutMs: CHANNEL_TIMEOUT_MS, credentials: async () => ({}) });
    const silentHandlers = apiHandlers({ db: t.db, table: t.table, channel: silentChannel, confirmTimeoutMs: 2_000 });
    const before = await snapshotTable(t.db, t.table);
    try {
      expectUnavailable(await silentHandlers.kick(kickEvent(clientid!)));
      expectUnavailable(await silentHandlers.kick(kickEvent(clientid!)));
    } finally {
      await silentChannel.close();
      await silent.stop();
    }
    expect((await snapshotTable(t.db, t.table)).sessions).toEqual(before.sessions);
  });

  it('answers 503 when the broker refuses the channel credentials', async () => {
    const [clientid] = await sessions('node-a');
    const strict = await testBroker({
      authenticate: (_client, _username, _password, done) => done(Object.assign(new Error('bad credentials'), { returnCode: 4 }), false),
    });
    const refused = new MqttControlChannel({ url: strict.url, topicPrefix: TEST_TOPIC_PREFIX, timeoutMs: CHANNEL_TIMEOUT_MS, credentials: async () => ({ username: 'api', password: 'wrong' }) });
    try {
      expectUnavailable(await apiHandlers({ db: t.db, table: t.table, channel: refused }).kick(kickEvent(clientid!)));
    } finally {
      await refused.close();
      await strict.stop();
    }
    expect(await t.store.get(clientid!, { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });
});
