import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerSession, BrokerView } from '../../../functions/sources/broker-view.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CheckpointStore, checkpointKey } from '../../../functions/reconcile/checkpoint.js';
import { reconcile } from '../../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';
import { shardOf } from '../../../functions/sessions/keys.js';
import { ZERO_STATISTICS, type ConnectionInfo } from '../../../functions/sessions/model.js';
import { CapacityMeter, totalUnits } from '../../bench/capacity-meter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { snapshotTable, tableProblems } from '../../support/table-invariants.js';
import { connected, connection, disconnected, terminated } from '../../support/sessions.js';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const NOW = T0 + 60_000;

let t: TestTable;
/** The counters once the table's stream has been applied to them. */
const settledCounts = async () => {
  await t.settle();
  return t.store.countByState();
};
beforeEach(async () => {
  t = await createTestTable({ shards: 2 });
});
afterEach(async () => t.drop());

function view(sessions: BrokerSession[], options: Partial<BrokerView> = {}): BrokerView {
  return {
    name: 'test',
    connectedAtPrecisionMs: 1,
    covers: (node) => node.startsWith('emqx@'),
    async *sessions() {
      yield* sessions;
    },
    ...options,
  };
}

const emqx = (clientid: string, overrides: Partial<ConnectionInfo> = {}) =>
  connection({ clientid, node: 'emqx@10.0.0.1', conn_id: '', connected_at: T0, ...overrides });
const online = (conn: ConnectionInfo, statistics = ZERO_STATISTICS): BrokerSession => ({ conn, conn_state: 'connected', disconnected_at: null, statistics });
const run = (v: BrokerView, extra: { maxSessions?: number } = {}) => reconcile({ db: t.db, table: t.table, view: v, now: () => NOW, ...extra });

describe('reconciliation', () => {
  it('ends a session the broker does not hold and keeps the count exact', async () => {
    const ghost = emqx('ghost');
    const kept = emqx('kept');
    await t.writer.applyAll([connected(ghost), connected(kept)]);
    const report = await run(view([online(kept)]));
    expect(report).toMatchObject({ listed: 1, inTable: 2, ended: 1, added: 0, truncated: false, failed: 0 });
    expect(await t.store.get('ghost', { consistent: true })).toMatchObject({ conn_state: null, ended_at: NOW, ended_reason: 'disconnected' });
    expect(await settledCounts()).toMatchObject({ connected: 1, disconnected: 0 });
  });

  it('adds a session the table missed, field for field as listed', async () => {
    const missed = emqx('missed', { username: 'u1', ip_address: '10.1.2.3', port: 4242, clean_start: false, expiry_interval: 300, created_at: T0 - 5000 });
    const report = await run(view([online(missed, { ...ZERO_STATISTICS, recv_oct: 10 })]));
    expect(report).toMatchObject({ added: 1, ended: 0 });
    expect(await t.store.get('missed', { consistent: true })).toMatchObject({
      conn_state: 'connected',
      node: 'emqx@10.0.0.1',
      created_at: T0 - 5000,
      connected_at: T0,
      username: 'u1',
      ip_address: '10.1.2.3',
      port: 4242,
      expiry_interval: 300,
    });
    expect(await settledCounts()).toMatchObject({ connected: 1 });
  });

  it('takes a newer connection from the broker and leaves a newer one in the table alone', async () => {
    await t.writer.applyAll([connected(emqx('older-in-table')), connected(emqx('newer-in-table', { connected_at: T0 + 500 }))]);
    const report = await run(view([online(emqx('older-in-table', { connected_at: T0 + 100, node: 'emqx@10.0.0.2' })), online(emqx('newer-in-table'))]));
    expect(report).toMatchObject({ added: 1, ended: 0 });
    expect(await t.store.get('older-in-table', { consistent: true })).toMatchObject({ node: 'emqx@10.0.0.2', connected_at: T0 + 100 });
    expect(await t.store.get('newer-in-table', { consistent: true })).toMatchObject({ connected_at: T0 + 500 });
  });

  it('disconnects a connection the broker shows offline', async () => {
    const conn = emqx('offline', { clean_start: false, expiry_interval: 600 });
    await t.writer.apply(connected(conn));
    const report = await run(view([{ conn, conn_state: 'disconnected', disconnected_at: T0 + 2000 }]));
    expect(report).toMatchObject({ disconnected: 1 });
    expect(await t.store.get('offline', { consistent: true })).toMatchObject({ conn_state: 'disconnected', expires_at: T0 + 2000 + 600_000 });
  });

  it('restores a connection ended before the list was read, and keeps an end from after it', async () => {
    const early = emqx('ended-early', { clean_start: false, expiry_interval: 600 });
    const late = emqx('ended-late');
    // An end that arrived before its connect (the event's persistence unknown) left a tombstone.
    await t.writer.apply(disconnected({ ...early, clean_start: true, expiry_interval: 0 }, T0 + 10));
    await t.writer.applyAll([connected(late), terminated(late, 'kicked', NOW + 5)]);
    const report = await run(view([online(early), online(late)]));
    expect(report.added).toBe(1);
    expect(await t.store.get('ended-early', { consistent: true })).toMatchObject({ conn_state: 'connected', expiry_interval: 600 });
    expect(await t.store.get('ended-late', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });

  it('writes statistics only where they changed', async () => {
    const conn = emqx('stats');
    await t.writer.apply(connected(conn));
    const listed = online(conn, { ...ZERO_STATISTICS, recv_oct: 512, send_msg: 7, mqueue_len: 3 });
    expect((await run(view([listed]))).statistics).toBe(1);
    expect(await t.store.get('stats', { consistent: true })).toMatchObject({ recv_oct: 512, send_msg: 7, mqueue_len: 3 });

    const meter = new CapacityMeter(t.db);
    const { result, measurement } = await meter.measure(() => reconcile({ db: t.db, table: t.table, view: view([listed]), now: () => NOW + 1 }));
    expect(result.statistics).toBe(0);
    expect(measurement.byCommand.UpdateItemCommand ?? 0).toBe(0);
  });

  it('ends nothing when the list was cut short, and nothing on nodes it does not cover', async () => {
    await t.writer.applyAll([connected(emqx('a')), connected(emqx('b')), connected(connection({ clientid: 'other', node: 'local@x', connected_at: T0 }))]);
    const cut = await run(view([online(emqx('a')), online(emqx('c'))]), { maxSessions: 1 });
    expect(cut).toMatchObject({ truncated: true, ended: 0 });
    expect(await t.store.get('b', { consistent: true })).toMatchObject({ conn_state: 'connected' });

    const full = await run(view([online(emqx('a'))]));
    expect(full.ended).toBe(1);
    expect(await t.store.get('other', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('asks the broker before ending a session its paged list may have skipped', async () => {
    const conn = emqx('skipped');
    await t.writer.apply(connected(conn));
    const report = await run(view([], { lookup: async (clientid) => (clientid === 'skipped' ? online(conn) : undefined) }));
    expect(report.ended).toBe(0);
    expect(await t.store.get('skipped', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('matches connections to the second when the list gives seconds', async () => {
    const conn = emqx('seconds', { connected_at: T0 + 789 });
    await t.writer.apply(connected(conn));
    const listed = online({ ...conn, connected_at: T0 }, { ...ZERO_STATISTICS, recv_cnt: 4, mqueue_dropped: 2 });
    const report = await run(view([listed], { connectedAtPrecisionMs: 1000 }));
    expect(report).toMatchObject({ added: 0, ended: 0, statistics: 1 });
    expect(await t.store.get('seconds', { consistent: true })).toMatchObject({ connected_at: T0 + 789, recv_cnt: 4 });
  });
});

describe('reconciliation with a statistics memo', () => {
  it('reads no session whose listed statistics match what an earlier run saw', async () => {
    const conn = emqx('memo');
    await t.writer.apply(connected(conn));
    const memo = new StatisticsMemo();
    const listed = online(conn, { ...ZERO_STATISTICS, mqueue_len: 99 });
    expect((await reconcile({ db: t.db, table: t.table, view: view([listed]), now: () => NOW, statisticsMemo: memo })).statistics).toBe(1);

    const meter = new CapacityMeter(t.db);
    const again = await meter.measure(() => reconcile({ db: t.db, table: t.table, view: view([listed]), now: () => NOW + 1, statisticsMemo: memo }));
    expect(again.measurement.byCommand.BatchGetItemCommand ?? 0).toBe(0);
    expect(again.result.statistics).toBe(0);

    const changed = online(conn, { ...ZERO_STATISTICS, mqueue_len: 100, recv_oct: 7 });
    const third = await meter.measure(() => reconcile({ db: t.db, table: t.table, view: view([changed]), now: () => NOW + 2, statisticsMemo: memo }));
    expect(third.result.statistics).toBe(1);
    expect(await t.store.get('memo', { consistent: true })).toMatchObject({ mqueue_len: 100, recv_oct: 7 });
  });
});

describe('reconciliation with events arriving during the run', () => {
  it('leaves alone a client that connects or reconnects while the list is read', async () => {
    const kept = emqx('kept');
    await t.writer.applyAll([connected(kept), connected(emqx('gone')), connected(emqx('reconnecting'))]);
    const racing = view([], {
      async *sessions() {
        yield online(kept);
        // Both land after the run started and after the list passed where they would be.
        await t.writer.applyAll([
          connected(emqx('newcomer', { connected_at: NOW + 10 })),
          connected(emqx('reconnecting', { connected_at: NOW + 20 })),
        ]);
      },
    });
    const report = await run(racing);
    expect(report).toMatchObject({ truncated: false, ended: 1 });
    expect(await t.store.get('gone', { consistent: true })).toMatchObject({ conn_state: null });
    expect(await t.store.get('newcomer', { consistent: true })).toMatchObject({ conn_state: 'connected', connected_at: NOW + 10 });
    expect(await t.store.get('reconnecting', { consistent: true })).toMatchObject({ conn_state: 'connected', connected_at: NOW + 20 });
    expect(await settledCounts()).toMatchObject({ connected: 3 });
  });

  it('ends no newer connection than the one the broker confirmed gone', async () => {
    await t.writer.applyAll([connected(emqx('gone')), connected(emqx('flapping'))]);
    const racing = view([], {
      async lookup(clientid) {
        // The broker answers "not held"; this client reconnects before the end is written.
        if (clientid === 'flapping') await t.writer.apply(connected(emqx('flapping', { connected_at: NOW + 30 })));
        return undefined;
      },
    });
    const report = await run(racing);
    expect(report).toMatchObject({ ended: 1, failed: 0 });
    expect(await t.store.get('gone', { consistent: true })).toMatchObject({ conn_state: null });
    expect(await t.store.get('flapping', { consistent: true })).toMatchObject({ conn_state: 'connected', connected_at: NOW + 30 });
  });
});

describe('reconciliation rules the README states', () => {
  it('adds a session the table missed that the broker shows offline, as offline', async () => {
    const conn = emqx('missed-offline', { clean_start: false, expiry_interval: 600 });
    const report = await run(view([{ conn, conn_state: 'disconnected', disconnected_at: T0 + 2000 }]));
    expect(report).toMatchObject({ added: 1 });
    expect(await t.store.get('missed-offline', { consistent: true })).toMatchObject({ conn_state: 'disconnected', expires_at: T0 + 2000 + 600_000 });
    expect(await settledCounts()).toMatchObject({ connected: 0, disconnected: 1 });
  });

  it('takes a connection on another node in the same second as another connection, not the table\'s', async () => {
    await t.writer.apply(connected(emqx('moved', { connected_at: T0 + 200 })));
    const elsewhere = emqx('moved', { node: 'emqx@10.0.0.2', connected_at: T0 + 700 });
    const report = await run(view([online(elsewhere, { ...ZERO_STATISTICS, recv_cnt: 5 })], { connectedAtPrecisionMs: 1000 }));
    expect(report).toMatchObject({ added: 1, statistics: 0 });
    expect(await t.store.get('moved', { consistent: true })).toMatchObject({ node: 'emqx@10.0.0.2', connected_at: T0 + 700 });
  });

  it('ends nothing when the broker cannot be asked about a session missing from its list', async () => {
    await t.writer.apply(connected(emqx('unasked')));
    const report = await run(view([], { lookup: async () => Promise.reject(new Error('broker unreachable')) }));
    expect(report).toMatchObject({ ended: 0, failed: 1 });
    expect(await t.store.get('unasked', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('ends nothing when its time runs out while the list is read', async () => {
    await t.writer.applyAll([connected(emqx('listed')), connected(emqx('unlisted'))]);
    const budget = new AbortController();
    const slow = view([], {
      async *sessions() {
        yield online(emqx('listed'));
        budget.abort();
      },
    });
    const report = await reconcile({ db: t.db, table: t.table, view: slow, now: () => NOW, signal: budget.signal });
    expect(report).toMatchObject({ truncated: true, ended: 0 });
    expect(await t.store.get('unlisted', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });
});

describe('reconciliation bounded in time and in writes', () => {
  it('checks the shards its time allows and leaves the rest to the next run, which starts there after a cold start', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `ghost-${i}`);
    await t.writer.applyAll(ids.map((id) => connected(emqx(id))));
    const inShard = (shard: number) => ids.filter((id) => shardOf(id, t.table.shards) === shard);
    expect(inShard(0).length * inShard(1).length).toBeGreaterThan(0);
    // Each run is a fresh call with nothing kept in memory, as after a cold start.
    const first = await reconcile({ db: t.db, table: t.table, view: view([]), now: () => NOW, budgetMs: 0 });
    expect(first).toMatchObject({ shards: 1, truncated: true, ended: inShard(0).length, nextShard: 1 });
    expect(await new CheckpointStore(t.db, t.table, 'test').read()).toEqual({ nextShard: 1, moves: 1 });
    for (const id of inShard(1)) expect(await t.store.get(id, { consistent: true })).toMatchObject({ conn_state: 'connected' });
    const second = await reconcile({ db: t.db, table: t.table, view: view([]), now: () => NOW, budgetMs: 0 });
    expect(second).toMatchObject({ shards: 1, ended: inShard(1).length, nextShard: 0 });
    expect(await settledCounts()).toMatchObject({ connected: 0 });
    expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
  });

  it('moves the checkpoint once when two runs read it at the same time, never back', async () => {
    const runA = new CheckpointStore(t.db, t.table, 'test');
    const runB = new CheckpointStore(t.db, t.table, 'test');
    const [readA, readB] = await Promise.all([runA.read(), runB.read()]);
    expect(readA).toEqual({ nextShard: 0, moves: 0 });
    expect(await runA.move(readA, 1)).toBe(true);
    // B checked the same shards from the same start: its move would claim them again, or go back.
    expect(await runB.move(readB, 0)).toBe(false);
    expect(await runB.read()).toEqual({ nextShard: 1, moves: 1 });
    expect(await new CheckpointStore(t.db, t.table, 'other-view').read()).toEqual({ nextShard: 0, moves: 0 });
  });

  it('leaves the checkpoint unwritten when a run checks every shard', async () => {
    await t.writer.apply(connected(emqx('kept')));
    const meter = new CapacityMeter(t.db);
    const { result, measurement } = await meter.measure(() => run(view([online(emqx('kept'))])));
    expect(result).toMatchObject({ shards: 2, truncated: false, nextShard: 0 });
    expect(totalUnits(measurement).write).toBe(0);
    const stored = await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid: checkpointKey('test') }, ConsistentRead: true }));
    expect(stored.Item).toBeUndefined();
  });

  it('rewrites no statistics when only the counters moved, and all of them when a tracked field changed', async () => {
    const conn = emqx('counters');
    await t.writer.apply(connected(conn));
    const moved = await run(view([online(conn, { ...ZERO_STATISTICS, recv_oct: 4096, recv_pkt: 30 })]));
    expect(moved.statistics).toBe(0);
    expect(await t.store.get('counters', { consistent: true })).toMatchObject({ recv_oct: 0, recv_pkt: 0 });
    const queued = await run(view([online(conn, { ...ZERO_STATISTICS, recv_oct: 8192, mqueue_len: 1 })]));
    expect(queued.statistics).toBe(1);
    expect(await t.store.get('counters', { consistent: true })).toMatchObject({ recv_oct: 8192, mqueue_len: 1 });
  });

  it('takes on the second read a client the table shows on another connection, and ends one neither read lists', async () => {
    await t.writer.applyAll([connected(emqx('moved', { connected_at: T0 })), connected(emqx('gone'))]);
    const report = await run(view([online(emqx('moved', { connected_at: T0 + 50 }))]));
    expect(report).toMatchObject({ added: 1, ended: 1, truncated: false });
    expect(await t.store.get('moved', { consistent: true })).toMatchObject({ conn_state: 'connected', connected_at: T0 + 50 });
  });
});
