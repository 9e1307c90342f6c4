/**
 * `npm run bench:cost`: what an ingest event costs, all in, per delivery
 * path. Drives the real ingest handlers with EMQX 5 webhook bodies and AWS
 * IoT lifecycle events against a DynamoDB Local of its own (cost-events.ts),
 * prices what they consumed with prices.ts (cost-model.ts), and writes
 * bench-results/cost.json and cost.md, and the README's "Capacity and cost"
 * tables to bench-results/cost-readme.md. Reconciliation's cost is read from
 * bench-results/ingest.json (`npm run bench:ingest`) when it is there.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, type TableRef } from '../../functions/sessions/table.js';
import { CapacityMeter } from './capacity-meter.js';
import { measureKinds } from './cost-events.js';
import { ASSUMPTIONS, PATHS } from './cost-assumptions.js';
import { pathCosts, renderCostMarkdown, renderReadmeTables, type CostInputs } from './cost-report.js';
import { PRICES, PRICES_DATE, PRICES_REGION, TARGETS } from './prices.js';
import { benchDocumentClient, RESULTS_DIR, runStandaloneBench } from './standalone.js';
import { fleetParameters } from './fleet-parameters.js';
import { DEFAULT_DRIFT_MINUTES } from '../../functions/config/reconcile.js';

type IngestBenchReconcile = { n: number; scenario: string; per1000: { read: number; seconds: number } };

/** The warm "nothing changed" run of the largest table `npm run bench:ingest` measured. */
async function reconcileCost(): Promise<CostInputs['reconcile']> {
  try {
    const ingest = JSON.parse(await readFile(join(RESULTS_DIR, 'ingest.json'), 'utf8')) as { reconciliation?: IngestBenchReconcile[]; finishedAt?: string };
    const warm = (ingest.reconciliation ?? []).filter((r) => r.scenario.startsWith('(a) again')).sort((a, b) => b.n - a.n)[0];
    if (!warm) return undefined;
    const dollarsPer1000 = warm.per1000.read * PRICES.dynamoReadUnit + warm.per1000.seconds * ASSUMPTIONS.lambdaMemoryGb * PRICES.lambdaGbSecond;
    return {
      dollarsPer1000,
      readUnitsPer1000: warm.per1000.read,
      secondsPer1000: warm.per1000.seconds,
      source: `bench-results/ingest.json, ${warm.n.toLocaleString('en-US')} sessions, warm function, ${ingest.finishedAt?.slice(0, 10) ?? 'undated'}; seconds on DynamoDB Local`,
    };
  } catch {
    return undefined;
  }
}

await runStandaloneBench('cost', async (db, log, endpoint) => {
  const sideDb = benchDocumentClient(endpoint);
  const meter = new CapacityMeter(db);
  const table: TableRef = { tableName: `bench-cost-${Date.now()}`, shards: fleetParameters().sessionShards };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  try {
    log('measuring the four events of a reconnect on each source');
    const measured = await measureKinds(db, sideDb, endpoint, table, meter);
    const inputs: CostInputs = {
      ...measured,
      reconcile: await reconcileCost(),
      // The walk is a full run's, every RECONCILE_DRIFT_MINUTES; the statistics runs between read what is new (statistics-upkeep.md).
      reconcileEveryMinutes: DEFAULT_DRIFT_MINUTES,
      assumptions: ASSUMPTIONS,
      paths: PATHS,
    };
    const costs = pathCosts(inputs);
    const markdown = renderCostMarkdown(inputs, costs);
    // The README's "Capacity and cost" tables, to paste when they change.
    await writeFile(join(RESULTS_DIR, 'cost-readme.md'), renderReadmeTables(inputs, costs));
    return { json: { prices: { region: PRICES_REGION, date: PRICES_DATE, ...PRICES }, targets: TARGETS, inputs, costs }, markdown };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
    sideDb.destroy();
  }
});
