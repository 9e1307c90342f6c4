import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reconcileHandler } from '../../../functions/reconcile/handler.js';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';
import { refreshStatistics } from '../../../functions/reconcile/statistics-run.js';
import { observability } from '../../../functions/http/observability.js';
import { ZERO_STATISTICS, type ConnectionInfo } from '../../../functions/sessions/model.js';
import type { BrokerSession, BrokerView } from '../../../functions/sources/broker-view.js';
import { CapacityMeter } from '../../bench/capacity-meter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connected, connection } from '../../support/sessions.js';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

let t: TestTable;
beforeEach(async () => {
  t = await createTestTable({ shards: 2 });
});
afterEach(async () => {
  vi.useRealTimers();
  await t.drop();
});

function view(sessions: () => BrokerSession[]): BrokerView {
  return {
    name: 'test',
    connectedAtPrecisionMs: 1,
    covers: (node) => node.startsWith('emqx@'),
    async *sessions() {
      yield* sessions();
    },
  };
}
const emqx = (clientid: string, overrides: Partial<ConnectionInfo> = {}) =>
  connection({ clientid, node: 'emqx@10.0.0.1', conn_id: '', connected_at: T0, ...overrides });
const online = (conn: ConnectionInfo, mqueue_len = 0): BrokerSession => ({
  conn,
  conn_state: 'connected',
  disconnected_at: null,
  statistics: { ...ZERO_STATISTICS, mqueue_len },
});
const live = async (clientid: string) => (await t.store.get(clientid, { consistent: true }))?.conn_state;

describe('a statistics run', () => {
  it('writes the tracked statistics that changed, walks no index, and leaves lost events to the full run', async () => {
    const kept = emqx('kept');
    const ghost = emqx('ghost');
    const missed = emqx('missed');
    await t.writer.applyAll([connected(kept), connected(ghost)]);
    const memo = new StatisticsMemo();
    const meter = new CapacityMeter(t.db);
    const first = await meter.measure(() => refreshStatistics({ db: t.db, table: t.table, view: view(() => [online(kept, 4), online(missed, 2)]), statisticsMemo: memo }));
    expect(first.result).toMatchObject({ listed: 2, statistics: 1, ended: 0, added: 0, failed: 0, truncated: false });
    expect(first.measurement.byCommand.QueryCommand ?? 0).toBe(0);
    expect(await t.store.get('kept', { consistent: true })).toMatchObject({ mqueue_len: 4 });
    // What lost events left behind stays for the full run: the ghost, and the session the table missed.
    expect(await live('ghost')).toBe('connected');
    expect(await t.store.get('missed', { consistent: true })).toBeUndefined();

    // Warm and unchanged: the memo knows the kept session; only the one the table lacks is read again.
    const again = await meter.measure(() => refreshStatistics({ db: t.db, table: t.table, view: view(() => [online(kept, 4), online(missed, 2)]), statisticsMemo: memo }));
    expect(again.result.statistics).toBe(0);
    expect(again.measurement.byCommand.UpdateItemCommand ?? 0).toBe(0);
    expect(again.measurement.byCommand.ScanCommand ?? 0).toBe(0);
    expect(again.measurement.table.read).toBeLessThanOrEqual(1);
  });

  it('keeps the memo as it was when the list is cut short', async () => {
    const a = emqx('a');
    await t.writer.apply(connected(a));
    const memo = new StatisticsMemo();
    await refreshStatistics({ db: t.db, table: t.table, view: view(() => [online(a, 1)]), statisticsMemo: memo });
    const cut = await refreshStatistics({ db: t.db, table: t.table, view: view(() => [online(emqx('b')), online(a, 1)]), statisticsMemo: memo, maxSessions: 1 });
    expect(cut.truncated).toBe(true);
    const meter = new CapacityMeter(t.db);
    const after = await meter.measure(() => refreshStatistics({ db: t.db, table: t.table, view: view(() => [online(a, 1)]), statisticsMemo: memo }));
    expect(after.measurement.byCommand.BatchGetItemCommand ?? 0).toBe(0);
  });
});

describe('the scheduled reconciliation', () => {
  it('runs full first, keeps statistics between full runs, and runs full again once the drift interval has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + 60_000);
    const kept = emqx('kept');
    let listed = [online(kept)];
    const handler = reconcileHandler({
      db: t.db,
      table: t.table,
      view: view(() => listed),
      maxSessions: 1_000,
      driftEveryMs: 30 * 60_000,
      ...observability({ POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' }),
    });
    await t.writer.applyAll([connected(kept), connected(emqx('ghost-1'))]);
    expect((await handler({})).ended).toBe(1);

    await t.writer.apply(connected(emqx('ghost-2')));
    vi.setSystemTime(T0 + 6 * 60_000);
    listed = [online(kept, 5)];
    const between = await handler({});
    expect(between).toMatchObject({ ended: 0, statistics: 1 });
    expect(await live('ghost-2')).toBe('connected');

    // Due a few seconds early, as a schedule may invoke it: still a full run.
    vi.setSystemTime(T0 + 31 * 60_000 - 5_000);
    expect((await handler({})).ended).toBe(1);
    expect(await live('ghost-2')).toBeNull();
  });
});
