/** The session writer against DynamoDB Local: ordering guards, concurrency, counters, expiry, node restarts. */
import fc from 'fast-check';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connKey } from '../../../functions/sessions/keys.js';
import { CONN_STATES, isLive, type ConnState, type ConnectionInfo, type SessionEvent, type SessionRecord } from '../../../functions/sessions/model.js';
import { SessionWriter } from '../../../functions/sessions/writer.js';
import { CapacityMeter } from '../../bench/capacity-meter.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';
import { PROPERTY_SEED } from '../../support/property-seed.js';
import { deliveryArbitrary, fold } from '../../support/scenarios.js';
import { connected, connection, disconnected, statistics, subscriptions, terminated } from '../../support/sessions.js';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
});
afterAll(() => t.drop());

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
let sequence = 0;
/** A clientid no other test of this file uses. */
const fresh = (label: string) => `${label}-${++sequence}`;

const rawItem = async (clientid: string) =>
  (await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;

const record = (clientid: string) => t.store.get(clientid, { consistent: true });

async function applyInOrder(events: readonly SessionEvent[]) {
  const outcomes = [];
  for (const event of events) outcomes.push(await t.writer.apply(event));
  return outcomes;
}

/** Runs `tasks` with at most `concurrency` at a time, in the given order. */
async function runConcurrently(tasks: Array<() => Promise<unknown>>, concurrency: number) {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

const persistent = (clientid: string, overrides: Partial<ConnectionInfo> = {}) =>
  connection({ clientid, clean_start: false, expiry_interval: 3600, ...overrides });

describe('SessionWriter ordering guards', () => {
  it('writes a connect, and ignores its duplicate', async () => {
    const conn = connection({ clientid: fresh('dup'), connected_at: T0 });
    expect(await applyInOrder([connected(conn)])).toEqual(['applied']);
    const written = await rawItem(conn.clientid);
    expect(await applyInOrder([connected(conn)])).toEqual(['ignored']);
    expect(await record(conn.clientid)).toMatchObject({ ...conn, conn_state: 'connected', conn_key: connKey(conn) });
    // The duplicate wrote nothing: the revision is the connect's.
    expect(typeof written?.rev).toBe('number');
    expect((await rawItem(conn.clientid))?.rev).toBe(written?.rev);
  });

  it('keeps the newer statistics when an older snapshot arrives late', async () => {
    const conn = connection({ clientid: fresh('stats') });
    const outcomes = await applyInOrder([
      connected(conn),
      statistics(conn, 5, { mqueue_len: 50, recv_oct: 500 }),
      statistics(conn, 3, { mqueue_len: 30, recv_oct: 300 }),
      statistics(conn, 5, { mqueue_len: 55 }),
      subscriptions(conn, 2, 8),
      subscriptions(conn, 1, 1),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'ignored', 'ignored', 'applied', 'ignored']);
    expect(await record(conn.clientid)).toMatchObject({ mqueue_len: 50, recv_oct: 500, stats_seq: 5, subscriptions_cnt: 8, subs_seq: 2 });
  });

  it('applies statistics that arrive before the connect, and keeps them when the connect follows', async () => {
    const conn = connection({ clientid: fresh('early-stats') });
    await applyInOrder([statistics(conn, 2, { inflight: 4 }), connected(conn)]);
    expect(await record(conn.clientid)).toMatchObject({ conn_state: 'connected', inflight: 4, stats_seq: 2 });
  });

  it('keeps the newer connection after a takeover across nodes, whatever the arrival order', async () => {
    for (const order of ['takeover-first', 'old-first'] as const) {
      const clientid = fresh(`takeover-${order}`);
      const old = persistent(clientid, { node: 'node-a', connected_at: T0 });
      const newer = persistent(clientid, { node: 'node-b', connected_at: T0 + 2000, created_at: T0 });
      const events =
        order === 'old-first'
          ? [connected(old), connected(newer), statistics(old, 9, { mqueue_len: 99 }), disconnected(old, T0 + 3000)]
          : [connected(newer), connected(old), disconnected(old, T0 + 3000), statistics(old, 9, { mqueue_len: 99 })];
      await applyInOrder(events);
      expect(await record(clientid), order).toMatchObject({
        node: 'node-b',
        conn_key: connKey(newer),
        conn_state: 'connected',
        mqueue_len: 0,
        disconnected_at: null,
      });
    }
  });

  it('ends a clean session at disconnect as a tombstone that no index holds, and keeps it ended', async () => {
    const conn = connection({ clientid: fresh('clean'), connected_at: T0 });
    await applyInOrder([connected(conn), disconnected(conn, T0 + 1000)]);
    const item = await rawItem(conn.clientid);
    expect(item).toMatchObject({ clientid: conn.clientid, conn_key: connKey(conn), ended_at: T0 + 1000, ended_reason: 'disconnected' });
    for (const indexKey of ['state_pk', 'order_key', 'expiry_pk', 'conn_state']) expect(item).not.toHaveProperty(indexKey);
    expect(item?.purge_at).toBeGreaterThan((T0 + 1000) / 1000);
    expect(await applyInOrder([connected(conn), statistics(conn, 1, { recv_oct: 1 }), subscriptions(conn, 1, 1)])).toEqual([
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect((await record(conn.clientid))?.conn_state).toBeNull();
  });

  it('keeps a persistent session disconnected with its expiry, in the expiry index', async () => {
    const conn = persistent(fresh('persistent'), { connected_at: T0, expiry_interval: 120 });
    await applyInOrder([disconnected(conn, T0 + 1000), connected(conn)]);
    expect(await record(conn.clientid)).toMatchObject({ conn_state: 'disconnected', disconnected_at: T0 + 1000, expires_at: T0 + 121_000 });
    const item = await rawItem(conn.clientid);
    expect(item?.state_pk).toMatch(/^disconnected#\d$/);
    expect(item?.expiry_pk).toMatch(/^exp#\d$/);
  });

  it('does not let a kicked connection come back through its late events', async () => {
    const conn = persistent(fresh('kicked'));
    await applyInOrder([connected(conn), terminated(conn, 'kicked'), disconnected(conn), statistics(conn, 4, {})]);
    expect(await record(conn.clientid)).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });
});

describe('SessionWriter snapshot cost (ReturnConsumedCapacity: INDEXES)', () => {
  it('writes a statistics or subscriptions snapshot of a live session as one UpdateItem: one write unit, no index capacity', async () => {
    // A client of its own, so that the meter sees only this writer's requests.
    const db = localDocumentClient(t.endpoint);
    const meter = new CapacityMeter(db);
    const writer = new SessionWriter(db, t.table);
    try {
      const online = connection({ clientid: fresh('cost-online'), username: 'tenant-a' });
      const offline = persistent(fresh('cost-offline'), { username: 'tenant-b' });
      await writer.apply(connected(online));
      await writer.apply(connected(offline));
      await writer.apply(disconnected(offline));
      for (const conn of [online, offline]) {
        const snapshots = [
          statistics(conn, 1, { recv_oct: 4096, send_msg: 12, mqueue_len: 3, inflight: 2, heap_size: 9000 }),
          subscriptions(conn, 1, 5),
        ];
        for (const event of snapshots) {
          const label = `${event.type} of ${conn.clientid}`;
          const { result, measurement } = await meter.measure(() => writer.apply(event));
          expect(result, label).toBe('applied');
          expect(measurement.byCommand, label).toEqual({ UpdateItemCommand: 1 });
          expect(measurement.table, label).toEqual({ read: 0, write: 1 });
          for (const [index, units] of Object.entries(measurement.indexes)) expect(units, `${label}: ${index}`).toEqual({ read: 0, write: 0 });
        }
        expect(await record(conn.clientid)).toMatchObject({ recv_oct: 4096, send_msg: 12, heap_size: 9000, stats_seq: 1, subscriptions_cnt: 5, subs_seq: 1 });
      }
    } finally {
      db.destroy();
    }
  });
});

describe('SessionWriter state index layout', () => {
  it('keeps a session that outlives its connection in one state-index partition, so its disconnect and resume write 3 units', async () => {
    const db = localDocumentClient(t.endpoint);
    const meter = new CapacityMeter(db);
    const writer = new SessionWriter(db, t.table);
    try {
      const conn = persistent(fresh('in-place'), { username: 'tenant-c', expiry_interval: 600 });
      await writer.apply(connected(conn));
      const online = await rawItem(conn.clientid);
      expect(online?.state_pk).toMatch(/^disconnected#\d+$/);
      const resumed = { ...conn, conn_id: `${conn.conn_id}-2`, connected_at: conn.connected_at + 5000 };
      const steps: Array<[string, SessionEvent, ConnState]> = [
        ['disconnect', disconnected(conn, conn.connected_at + 1000), 'disconnected'],
        ['resume', connected(resumed), 'connected'],
      ];
      for (const [label, event, state] of steps) {
        const { result, measurement } = await meter.measure(() => writer.apply(event));
        expect(result, label).toBe('applied');
        const item = await rawItem(conn.clientid);
        expect(item, label).toMatchObject({ conn_state: state, state_pk: online?.state_pk, order_key: online?.order_key, user_pk: online?.user_pk });
        // The item (1) and two index entries: by-conn-state in place, by-expiry added or removed; the username entry untouched.
        const indexWrites = Object.values(measurement.indexes).reduce((n, units) => n + units.write, 0);
        expect(measurement.table.write + indexWrites, label).toBe(3);
        expect(measurement.indexes['by-conn-state']?.write, label).toBe(1);
        expect(measurement.indexes['by-username-key']?.write ?? 0, label).toBe(0);
      }
    } finally {
      db.destroy();
    }
  });

  it('keeps a session that ends with its connection apart from those that outlive theirs', async () => {
    const conn = connection({ clientid: fresh('ends-with-connection') });
    await t.writer.apply(connected(conn));
    expect((await rawItem(conn.clientid))?.state_pk).toMatch(/^connected#\d+$/);
  });
});

describe('SessionWriter under concurrency', () => {
  it('keeps the newest of concurrent statistics snapshots', async () => {
    const conn = connection({ clientid: fresh('concurrent-stats') });
    await t.writer.apply(connected(conn));
    const seqs = [7, 2, 10, 1, 9, 4, 3, 8, 6, 5];
    await Promise.all(seqs.map((seq) => t.writer.apply(statistics(conn, seq, { mqueue_len: seq, send_msg: seq * 2 }))));
    expect(await record(conn.clientid)).toMatchObject({ stats_seq: 10, mqueue_len: 10, send_msg: 20 });
  });

  it('keeps the newest of concurrent connects from several nodes, counted once', async () => {
    const clientid = fresh('concurrent-connect');
    await t.settle();
    const before = await t.store.countByState();
    const conns = Array.from({ length: 8 }, (_, i) => connection({ clientid, node: `node-${i}`, connected_at: T0 + (i % 3) * 1000 }));
    await Promise.all(conns.map((conn) => t.writer.apply(connected(conn))));
    const newest = [...conns].sort((a, b) => Buffer.compare(Buffer.from(connKey(b)), Buffer.from(connKey(a))))[0]!;
    expect(await record(clientid)).toMatchObject({ node: newest.node, conn_key: connKey(newest) });
    await t.settle();
    const after = await t.store.countByState();
    expect(after.connected - before.connected).toBe(1);
  });
});

/** Sessions per state, as the records say. */
async function statesOf(clientids: readonly string[]): Promise<Record<ConnState, number>> {
  const totals = Object.fromEntries(CONN_STATES.map((s) => [s, 0])) as Record<ConnState, number>;
  for (const r of (await t.store.batchGet(clientids)).values()) if (isLive(r)) totals[r.conn_state]++;
  return totals;
}

describe('SessionWriter with shuffled, duplicated, concurrent delivery (property)', () => {
  it('ends every session where the broker order does, with exact counters', async () => {
    await t.settle();
    const before = await t.store.countByState();
    const clientids = Array.from({ length: 40 }, (_, i) => fresh(`prop-${i}`));
    const deliveries = clientids.map((clientid, i) => fc.sample(deliveryArbitrary(clientid), { numRuns: 1, seed: PROPERTY_SEED + i })[0]!);
    // All clients' events interleaved, eight writers at once: conflicts on items and on counter shards.
    const all = deliveries.flatMap((d) => d.delivered.map((event) => () => t.writer.apply(event)));
    const interleaved = fc.sample(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), { numRuns: 1, seed: PROPERTY_SEED })[0]!;
    const replay = `PROPERTY_SEED=${PROPERTY_SEED}`;
    await runConcurrently(interleaved, 8);

    const stored = await t.store.batchGet(clientids);
    const expected = new Map<string, SessionRecord | undefined>(deliveries.map((d, i) => [clientids[i]!, fold(d.inOrder)]));
    for (const clientid of clientids) {
      expect(stored.get(clientid), `${clientid} (${replay})`).toEqual(expected.get(clientid));
    }
    await t.settle();
    const after = await t.store.countByState();
    const states = await statesOf(clientids);
    for (const state of CONN_STATES) expect(after[state] - before[state], `${state} (${replay})`).toBe(states[state]);
    // The scenario covers both outcomes.
    expect([...expected.values()].some(isLive), replay).toBe(true);
    expect([...expected.values()].some((r) => r !== undefined && !isLive(r)), replay).toBe(true);
  });
});

describe('SessionWriter.expireSessions', () => {
  // Its own table: the sessions of the other tests have all expired by the wall clock.
  let own: TestTable;
  beforeAll(async () => {
    own = await createTestTable({ shards: 2 });
  });
  afterAll(() => own.drop());

  it('ends exactly the offline sessions past their expiry, uncounting them', async () => {
    const { writer, store } = own;
    const record = (clientid: string) => store.get(clientid, { consistent: true });
    const applyInOrder = async (events: SessionEvent[]) => {
      for (const event of events) await writer.apply(event);
    };
    const now = Date.now();
    const due = persistent(fresh('due'), { connected_at: now - 7_200_000, expiry_interval: 60 });
    const dueNow = persistent(fresh('due-now'), { connected_at: now - 120_000, expiry_interval: 60 });
    const notDue = persistent(fresh('not-due'), { connected_at: now - 7_200_000, expiry_interval: 86_400 });
    const online = persistent(fresh('online'), { connected_at: now - 7_200_000, expiry_interval: 60 });
    await applyInOrder([
      connected(due),
      disconnected(due, now - 3_600_000),
      connected(dueNow),
      disconnected(dueNow, now - 60_000),
      connected(notDue),
      disconnected(notDue, now - 3_600_000),
      connected(online),
    ]);
    await own.settle();
    const before = await store.countByState();
    expect(await writer.expireSessions(now)).toBe(2);
    expect(await record(due.clientid)).toMatchObject({ conn_state: null, ended_reason: 'expired' });
    expect(await record(dueNow.clientid)).toMatchObject({ conn_state: null, ended_reason: 'expired' });
    expect(await record(notDue.clientid)).toMatchObject({ conn_state: 'disconnected' });
    expect(await record(online.clientid)).toMatchObject({ conn_state: 'connected' });
    await own.settle();
    const after = await store.countByState();
    expect(before.disconnected - after.disconnected).toBe(2);
    expect(after.connected).toBe(before.connected);
    expect(await writer.expireSessions(now)).toBe(0);
    expect(await store.countExpiredUnswept(now)).toBe(0);
  });
});

describe('SessionWriter.endNodeSessions', () => {
  it('ends what a restarted node held before it booted, and nothing else', async () => {
    const node = fresh('node-r');
    const boot = T0 + 10_000;
    const clean = connection({ clientid: fresh('r-clean'), node, connected_at: T0 });
    const kept = persistent(fresh('r-kept'), { node, connected_at: T0 });
    const offline = persistent(fresh('r-offline'), { node, connected_at: T0 });
    const afterBoot = connection({ clientid: fresh('r-after'), node, connected_at: boot + 1 });
    const otherNode = connection({ clientid: fresh('r-other'), node: `${node}-b`, connected_at: T0 });
    await applyInOrder([connected(clean), connected(kept), connected(offline), disconnected(offline, T0 + 500), connected(afterBoot), connected(otherNode)]);

    expect(await t.writer.endNodeSessions(node, boot, { keepPersistent: true })).toBe(2);
    expect(await record(clean.clientid)).toMatchObject({ conn_state: null });
    expect(await record(kept.clientid)).toMatchObject({ conn_state: 'disconnected', disconnected_at: boot });
    expect(await record(offline.clientid)).toMatchObject({ conn_state: 'disconnected', disconnected_at: T0 + 500 });
    expect(await record(afterBoot.clientid)).toMatchObject({ conn_state: 'connected' });
    expect(await record(otherNode.clientid)).toMatchObject({ conn_state: 'connected' });

    expect(await t.writer.endNodeSessions(node, boot, { keepPersistent: false })).toBe(2);
    expect(await record(kept.clientid)).toMatchObject({ conn_state: null, ended_reason: 'discarded' });
    expect(await record(offline.clientid)).toMatchObject({ conn_state: null, ended_reason: 'discarded' });
    expect(await record(afterBoot.clientid)).toMatchObject({ conn_state: 'connected' });
    expect(await record(otherNode.clientid)).toMatchObject({ conn_state: 'connected' });
  });
});
