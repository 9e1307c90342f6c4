/**
 * Reconciliation of a fleet of 200,000 sessions in a process whose heap is
 * capped at 256 MB: an unchanged run writes nothing and reads the narrow
 * index (and the checkpoint) only. Holding the list and the table's entries
 * as objects (≈ 1.3 KB a session) would not fit. Most of the test's time is
 * loading DynamoDB Local, so its table has no stream (nothing here is
 * counted); `RECONCILE_FLEET_SIZE` runs another fleet size.
 */
import { execPath } from 'node:process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runNode } from '../../bench/node-process.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { loadFleet } from './bounded-fleet.js';

const FLEET_SIZE = Number(process.env.RECONCILE_FLEET_SIZE ?? 200_000);
let loadMs = 0;

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 8, counted: false });
  const started = Date.now();
  await loadFleet(t.db, t.table, FLEET_SIZE);
  loadMs = Date.now() - started;
}, 3_600_000);
afterAll(async () => t?.drop());

it(`reconciles ${FLEET_SIZE} sessions under a 256 MB heap, an unchanged run writing nothing and reading under 40 units per 1,000`, async () => {
  const script = new URL('./bounded-run.ts', import.meta.url).pathname;
  const run = await runNode(execPath, ['--max-old-space-size=256', '--import', 'tsx', script], {
    ...process.env,
    DYNAMODB_ENDPOINT: t.endpoint,
    TABLE_NAME: t.table.tableName,
    SESSION_SHARDS: String(t.table.shards),
    FLEET_SIZE: String(FLEET_SIZE),
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  const unchanged = { listed: FLEET_SIZE, inTable: FLEET_SIZE, ended: 0, added: 0, disconnected: 0, statistics: 0, failed: 0, truncated: false };
  expect(result.cold).toMatchObject(unchanged);
  expect(result.warm).toMatchObject(unchanged);
  expect(result.units.write).toBe(0);
  // The index pages, and the checkpoint's one item: a run that checks every shard leaves it unwritten.
  expect(result.byCommand).toEqual({ QueryCommand: expect.any(Number), GetItemCommand: 1 });
  expect((result.units.read * 1000) / FLEET_SIZE).toBeLessThanOrEqual(40);
  // A cold run learns what the table holds from one Scan, not an item read per session: nothing changed, so it reads no item.
  expect(result.coldUnits.write).toBe(0);
  expect(result.coldByCommand).toEqual({ QueryCommand: expect.any(Number), ScanCommand: expect.any(Number), GetItemCommand: 1 });
  expect((result.coldUnits.read * 1000) / FLEET_SIZE).toBeLessThanOrEqual(150);
  console.log(`reconcile ${FLEET_SIZE}: cold run ${((result.coldUnits.read * 1000) / FLEET_SIZE).toFixed(1)} RCU / 1,000, warm run ${((result.units.read * 1000) / FLEET_SIZE).toFixed(1)} RCU / 1,000, peak heap ${(result.peakHeap / 2 ** 20).toFixed(0)} MB, rss ${(result.rss / 2 ** 20).toFixed(0)} MB; load ${loadMs} ms, cold run ${result.cold.ms} ms, warm run ${result.warm.ms} ms`);
}, 3_600_000);
