/**
 * `npm run bench:cost`: what an ingest event costs, all in, per delivery
 * path. Drives the real ingest handlers with EMQX 5 webhook bodies and AWS
 * IoT lifecycle events against a DynamoDB Local of its own (cost-events.ts),
 * prices what they consumed with prices.ts (cost-model.ts), and writes
 * bench-results/cost.json and cost.md; the Markdown holds the README's
 * "Capacity and cost" tables. Reconciliation's cost is read from
 * bench-results/ingest.json (`npm run bench:ingest`) when it is there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import { MAX_BATCH } from '../../functions/ingest/request.js';
import { createTableInput, type TableRef } from '../../functions/sessions/table.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';
import { CapacityMeter } from './capacity-meter.js';
import { measureKinds } from './cost-events.js';
import type { Assumptions, DeliveryPath } from './cost-model.js';
import { pathCosts, renderCostMarkdown, type CostInputs } from './cost-report.js';
import { PRICES, PRICES_DATE, PRICES_REGION, TARGETS } from './prices.js';
import { benchDocumentClient, RESULTS_DIR, runStandaloneBench } from './standalone.js';
import { fleetParameters } from './fleet-parameters.js';

export const ASSUMPTIONS: Assumptions = {
  lambdaMemoryGb: CLIENTS_API_DEFAULTS.memorySize / 1024,
  roundTripMs: 8,
  invocationOverheadMs: 3,
  batchConcurrency: BATCH_CONCURRENCY,
  accessLogLineBytes: 450,
  logEventOverheadBytes: 26,
  aggregatorRecordsPerBatch: 100,
  aggregatorInvocationMs: 30,
  sqsPollRequestsPerMessage: 0.2,
};

export const PATHS: DeliveryPath[] = [
  { name: 'EMQX 5 → API Gateway HTTP API', source: 'emqx', front: 'http-api', batchSize: 1 },
  { name: 'EMQX 5 → API Gateway HTTP API', source: 'emqx', front: 'http-api', batchSize: 100 },
  { name: 'EMQX 5 → function URL', source: 'emqx', front: 'function-url', batchSize: 1 },
  { name: 'EMQX 5 → function URL', source: 'emqx', front: 'function-url', batchSize: 100 },
  { name: 'AWS IoT → rule → Lambda (async)', source: 'aws', front: 'iot-rule-lambda', batchSize: 1 },
  { name: 'AWS IoT → rule → SQS → Lambda', source: 'aws', front: 'iot-rule-sqs', batchSize: 10 },
  { name: 'AWS IoT → rule → SQS → Lambda', source: 'aws', front: 'iot-rule-sqs', batchSize: MAX_BATCH },
];

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
      reconcileEveryMinutes: 5,
      assumptions: ASSUMPTIONS,
      paths: PATHS,
    };
    const costs = pathCosts(inputs);
    const markdown = renderCostMarkdown(inputs, costs);
    return { json: { prices: { region: PRICES_REGION, date: PRICES_DATE, ...PRICES }, targets: TARGETS, inputs, costs }, markdown };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
    sideDb.destroy();
  }
});
