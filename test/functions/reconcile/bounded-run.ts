/**
 * Runs reconciliations over a loaded fleet in a process of its own, so that a
 * test can bound its heap (`node --max-old-space-size=256`): a cold run, then
 * a warm one, each measured with the capacity meter. Prints one JSON line.
 * Env: DYNAMODB_ENDPOINT, TABLE_NAME, SESSION_SHARDS, FLEET_SIZE.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CLIENT_CONFIG } from '../../../infra/local/dynamodb-local.js';
import { reconcile } from '../../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';
import { CapacityMeter, totalUnits } from '../../bench/capacity-meter.js';
import { fleetView } from './bounded-fleet.js';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const n = Number(env('FLEET_SIZE'));
const table = { tableName: env('TABLE_NAME'), shards: Number(env('SESSION_SHARDS')) };
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint: env('DYNAMODB_ENDPOINT') }),
  { marshallOptions: { removeUndefinedValues: true } },
);

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
let tick = 0;
const view = fleetView(n, () => ++tick);
const statisticsMemo = new StatisticsMemo();
const meter = new CapacityMeter(db);
meter.keepCommands = false;
const { result: cold, measurement: coldRun } = await meter.measure(() => reconcile({ db, table, view, statisticsMemo, concurrency: 16 }));
const { result: warm, measurement } = await meter.measure(() => reconcile({ db, table, view, statisticsMemo, concurrency: 16 }));
clearInterval(sampler);
const units = totalUnits(measurement);
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    cold,
    coldUnits: totalUnits(coldRun),
    coldByCommand: coldRun.byCommand,
    warm,
    units,
    byCommand: measurement.byCommand,
    peakHeap,
    rss: memory.rss,
    arrayBuffers: memory.arrayBuffers,
  }),
);
