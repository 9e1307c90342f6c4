/**
 * A run with no memo (a fresh function) learns what the table holds from one
 * Scan: it reads the items of only the sessions whose tracked fields the
 * broker shows changed, writes exactly those, and leaves a memo that the
 * next run needs no Scan for.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcile } from '../../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';
import type { BrokerView } from '../../../functions/sources/broker-view.js';
import { isLive } from '../../../functions/sessions/model.js';
import { CapacityMeter } from '../../bench/capacity-meter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { fleetSession, fleetView, loadFleet } from './bounded-fleet.js';

const FLEET = 400;
const changed = (i: number) => i % 10 === 0;
let t: TestTable;

beforeAll(async () => {
  t = await createTestTable({ shards: 4, counted: false });
  await loadFleet(t.db, t.table, FLEET);
});
afterAll(async () => t?.drop());

/** The fleet as loaded, but every tenth session's queue has grown. */
function movedView(): BrokerView {
  const base = fleetView(FLEET, () => 1);
  return {
    ...base,
    async *sessions(signal) {
      for (let i = 0; i < FLEET && !signal.aborted; i++) {
        const session = fleetSession(i, 1);
        if (changed(i)) session.statistics = { ...session.statistics!, mqueue_len: 1_000 + i };
        yield session;
      }
    },
  };
}

it('reads and writes only the changed sessions after one Scan, and a warm run needs neither', async () => {
  const meter = new CapacityMeter(t.db);
  const memo = new StatisticsMemo();
  const view = movedView();
  const cold = await meter.measure(() => reconcile({ db: t.db, table: t.table, view, statisticsMemo: memo }));
  const expected = Array.from({ length: FLEET }, (_, i) => i).filter(changed);
  expect(cold.result).toMatchObject({ statistics: expected.length, failed: 0, truncated: false });
  expect(cold.measurement.byCommand.ScanCommand).toBeGreaterThan(0);
  const itemsRead = cold.measurement.commands
    .filter((c) => c.commandName === 'BatchGetItemCommand')
    .flatMap((c) => Object.values((c.input as { RequestItems: Record<string, { Keys: unknown[] }> }).RequestItems).flatMap((r) => r.Keys));
  expect(itemsRead).toHaveLength(expected.length);
  for (const i of expected) {
    const record = await t.store.get(`fleet-${i}`, { consistent: true });
    expect(isLive(record) && record.mqueue_len).toBe(1_000 + i);
  }

  const warm = await meter.measure(() => reconcile({ db: t.db, table: t.table, view, statisticsMemo: memo }));
  expect(warm.result).toMatchObject({ statistics: 0, failed: 0 });
  expect(warm.measurement.byCommand.ScanCommand).toBeUndefined();
  expect(warm.measurement.byCommand.BatchGetItemCommand).toBeUndefined();
});
