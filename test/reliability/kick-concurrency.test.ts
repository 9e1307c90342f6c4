/**
 * Kicks at the same time as each other and as a reconnect of the same
 * client, through several MqttControlChannel instances (as several warm
 * function instances would be) and one broker with a node that executes
 * kicks: no 5xx, never more than one session, never the kicked connection
 * coming back, and counters that still add up.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttControlChannel } from '../../functions/control/mqtt-channel.js';
import { connKey } from '../../functions/sessions/keys.js';
import { apiHandlers, type ApiHandlers } from '../support/handlers.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { FakeNode, TEST_TOPIC_PREFIX } from '../support/fake-node.js';
import { kickEvent, listEvent } from '../support/http.js';
import { testBroker, type TestBroker } from '../support/mqtt-broker.js';
import { propertyRuns } from '../support/property-seed.js';
import { connected, connection, terminated } from '../support/sessions.js';
import { snapshotTable, tableProblems } from '../support/table-invariants.js';

const INSTANCES = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestTable;
let broker: TestBroker;
let node: FakeNode;
let channels: MqttControlChannel[];
let instances: ApiHandlers[];

beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
  broker = await testBroker();
  node = new FakeNode(t.store, t.writer);
  await node.attach(broker.aedes);
  channels = Array.from(
    { length: INSTANCES },
    () => new MqttControlChannel({ url: broker.url, topicPrefix: TEST_TOPIC_PREFIX, timeoutMs: 2_000, credentials: async () => ({}) }),
  );
  instances = channels.map((channel) => apiHandlers({ db: t.db, table: t.table, channel, confirmTimeoutMs: 3_000 }));
});
afterAll(async () => {
  await Promise.all((channels ?? []).map((c) => c.close()));
  await broker?.stop();
  await t?.drop();
});

async function expectConsistent() {
  expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
}

describe('concurrent kicks', () => {
  it('ends the session once when 16 kicks of one client arrive at once', async () => {
    await t.writer.apply(connected(connection({ clientid: 'crowd', connected_at: Date.now() - 1000 })));
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => instances[i % INSTANCES]!.kick(kickEvent('crowd'))));
    // Each kick either saw the session and sent a command (200, or 202 if the node was slow to record it),
    // or found it already gone (404 code 112).
    for (const response of responses) {
      expect([200, 202, 404]).toContain(response.statusCode);
      if (response.statusCode === 404) expect(JSON.parse(response.body)).toEqual({ code: 112, message: 'Client not found' });
    }
    const sent = responses.filter((r) => r.statusCode !== 404).length;
    expect(sent).toBeGreaterThan(0);
    await node.idle();
    const outcomes = node.executions.filter((e) => e.command.clientid === 'crowd').map((e) => e.outcome);
    expect(outcomes.filter((o) => o === 'terminated')).toHaveLength(1);
    expect(outcomes).toHaveLength(sent);
    expect(await t.store.get('crowd', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    const listed = JSON.parse((await instances[0]!.list(listEvent('clientid=crowd'))).body) as { data: unknown[] };
    expect(listed.data).toEqual([]);
    await expectConsistent();
  });

  it('answers 200 and keeps the newer connection when a takeover lands between the kick command and its execution', async () => {
    const now = Date.now();
    const old = connection({ clientid: 'slow-node', node: 'node-a', conn_id: 'old', connected_at: now - 5_000 });
    const newer = connection({ clientid: 'slow-node', node: 'node-b', conn_id: 'new', connected_at: now });
    await t.writer.apply(connected(old));
    const release = node.hold();
    try {
      const arrived = node.nextCommand('slow-node');
      const kick = instances[0]!.kick(kickEvent('slow-node'));
      expect((await arrived).conn_key).toBe(connKey(old));
      await t.writer.apply(connected(newer));
      release();
      const response = await kick;
      expect(response.statusCode).toBe(200);
      await node.idle();
    } finally {
      release();
    }
    expect(node.executions.filter((e) => e.command.clientid === 'slow-node').map((e) => e.outcome)).toEqual(['not-held']);
    expect(await t.store.get('slow-node', { consistent: true })).toMatchObject({ conn_state: 'connected', conn_key: connKey(newer) });
    await expectConsistent();
  });

  it('answers 202 "kick pending" when the node does not record the end within the confirmation time', async () => {
    await t.writer.apply(connected(connection({ clientid: 'busy-node', connected_at: Date.now() - 1000 })));
    const release = node.hold();
    try {
      const impatient = apiHandlers({ db: t.db, table: t.table, channel: channels[1]!, confirmTimeoutMs: 200 });
      const response = await impatient.kick(kickEvent('busy-node'));
      expect(response.statusCode).toBe(202);
      expect(JSON.parse(response.body)).toEqual({ code: 0, message: 'kick pending' });
    } finally {
      release();
    }
    await node.idle();
    expect(await t.store.get('busy-node', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });

  it('never lets a kicked connection come back, nor two sessions exist, when kicks race a reconnect on another node', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (reconnectDelay, nodeDelay, kicks, oldNodeReports) => {
          const clientid = `racer-${++run}`;
          const now = Date.now();
          const old = connection({ clientid, node: 'node-a', conn_id: 'old', connected_at: now - 5_000, clean_start: false, expiry_interval: 600 });
          const newer = connection({ clientid, node: 'node-b', conn_id: 'new', connected_at: now, created_at: old.created_at, clean_start: false, expiry_interval: 600 });
          await t.writer.apply(connected(old));
          node.delayMs = nodeDelay;
          const reconnect = (async () => {
            await sleep(reconnectDelay);
            await t.writer.apply(connected(newer));
            // The old node reports the takeover of its connection, or does not get to.
            if (oldNodeReports) await t.writer.apply(terminated(old, 'discarded', now + 1));
          })();
          const responses = await Promise.all(Array.from({ length: kicks }, (_, i) => instances[(run + i) % INSTANCES]!.kick(kickEvent(clientid))));
          await reconnect;
          await node.idle();
          for (const response of responses) {
            expect([200, 202, 404]).toContain(response.statusCode);
          }
          const executed = node.executions.filter((e) => e.command.clientid === clientid && e.outcome === 'terminated');
          const final = await t.store.get(clientid, { consistent: true });
          // The newer connection always wins over the old one; it is gone only if a kick aimed at it.
          expect(final?.conn_key).toBe(connKey(newer));
          const newerKicked = executed.some((e) => e.command.conn_key === connKey(newer));
          expect(final?.conn_state).toBe(newerKicked ? null : 'connected');
          const listed = JSON.parse((await instances[0]!.list(listEvent(`clientid=${clientid}`))).body) as { data: Array<{ node: string }> };
          expect(listed.data.map((c) => c.node)).toEqual(newerKicked ? [] : ['node-b']);
        },
      ),
      propertyRuns(25),
    );
    node.delayMs = 0;
    await expectConsistent();
  });
});
