/**
 * `npm run bench:storm`: how fast the stack takes a reconnect storm, from the
 * partition-level model (storm-model.ts) fed with what the code does: each
 * event's write units where they land, as `npm run bench:cost` measured them
 * on the real handlers (bench-results/cost.json), the shard spread of the
 * real key function (shardOf), and the deployment's sizing
 * (fleet-parameters.ts). Writes bench-results/storm.md and storm.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { IOT_HTTP_BATCH } from '../../infra/aws/brokers/aws-iot-http.js';
import { API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND, ON_DEMAND_INITIAL_THROUGHPUT, TABLE_THROUGHPUT_QUOTA } from '../../infra/aws/fleet-sizing.js';
import { ASSUMPTIONS } from './cost-assumptions.js';
import type { WritePlaces } from './cost-events.js';
import { invocationMs, type MeasuredEvent } from './cost-model.js';
import { fleetParameters, type FleetParameters } from './fleet-parameters.js';
import { RESULTS_DIR } from './standalone.js';
import { largestShardShareOf } from './storm-shards.js';
import { absorbStorm, meanWrites, type EventWrites, type StormLimits, type StormResult } from './storm-model.js';

const STORM_SIZES = [100_000, 1_000_000, 10_000_000];
const STORM_TARGET_MINUTES: Record<number, number> = { 1_000_000: 5, 10_000_000: 30 };
/** A large tenant: a tenth of the fleet under one username. */
const LARGEST_TENANT_SHARE = 0.1;
/** Client ids sampled for the shard spread. */
const SHARD_SAMPLE = 200_000;
/** Events an asynchronous invocation by the IoT rule carries. */
const ASYNC_EVENTS_PER_INVOCATION = 1;

type Measured = MeasuredEvent & WritePlaces;

const largestShardShare = (shards: number) => largestShardShareOf(shards, SHARD_SAMPLE);

type Path = { name: string; source: 'emqx' | 'aws'; frontEventsPerSecond: (p: FleetParameters, waves: number) => number; lost: string };

const lambdaEventsPerSecond = (p: FleetParameters, batch: number, waves: number) => (p.lambdaConcurrency * batch * 1000) / invocationMs(batch, waves, ASSUMPTIONS);

const PATHS: Path[] = [
  {
    name: 'EMQX 5 → API Gateway (ingest throttle)',
    source: 'emqx',
    frontEventsPerSecond: (p, waves) => Math.min(p.ingestRateLimit * p.eventsPerRequest, lambdaEventsPerSecond(p, p.eventsPerRequest, waves)),
    lost: 'none while EMQX holds them: a throttled request is answered 429 or 503, which EMQX 5 retries (its buffer is finite)',
  },
  {
    name: 'EMQX 5 → function URL (Lambda concurrency)',
    source: 'emqx',
    frontEventsPerSecond: (p, waves) => lambdaEventsPerSecond(p, p.eventsPerRequest, waves),
    lost: 'as above (a throttled function URL answers 429)',
  },
  {
    name: 'AWS IoT → rule → Lambda (async)',
    source: 'aws',
    frontEventsPerSecond: (p, waves) => lambdaEventsPerSecond(p, ASYNC_EVENTS_PER_INVOCATION, waves),
    lost: 'none within 6 h: Lambda retries throttled asynchronous invocations that long, then the dead-letter queue',
  },
  {
    name: 'AWS IoT → rule → HTTP batch → function URL (Lambda concurrency)',
    source: 'aws',
    frontEventsPerSecond: (p, waves) => lambdaEventsPerSecond(p, IOT_HTTP_BATCH.maxBatchSize, waves),
    lost: 'none once replayed: a batch the function cannot store is answered 503, retried by the rule, then put in the dead-letter queue by its error action',
  },
  {
    name: 'AWS IoT → rule → SQS → Lambda',
    source: 'aws',
    frontEventsPerSecond: (p, waves) => lambdaEventsPerSecond(p, p.sqsBatchSize, waves),
    lost: 'none within the queue\'s retention (4 days by default), then the dead-letter queue',
  },
];

const MIXES: Array<{ name: string; kinds: string[] }> = [
  { name: 'clean sessions', kinds: ['clean disconnect', 'clean connect'] },
  { name: 'persistent sessions', kinds: ['persistent disconnect', 'reconnect'] },
];

async function measuredEvents(): Promise<Measured[]> {
  try {
    return (JSON.parse(await readFile(join(RESULTS_DIR, 'cost.json'), 'utf8')) as { inputs: { events: Measured[] } }).inputs.events;
  } catch {
    throw new Error('bench-results/cost.json is missing: run `npm run bench:cost` first (it measures what each event writes)');
  }
}

const minutes = (m: number) => (m < 1 ? `${Math.round(m * 60)} s` : m < 120 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h`);

const p = fleetParameters();
const events = await measuredEvents();
const limitsOf = (sized: FleetParameters, frontEventsPerSecond: number): StormLimits => ({
  shards: sized.sessionShards,
  largestShardShare: largestShardShare(sized.sessionShards),
  largestTenantShare: LARGEST_TENANT_SHARE,
  usernameIndex: SESSIONS_TABLE.indexes.byUsername.indexName,
  frontEventsPerSecond,
  initialWriteUnitsPerSecond: sized.warmWriteUnitsPerSecond ?? ON_DEMAND_INITIAL_THROUGHPUT.writeUnitsPerSecond,
  initialReadUnitsPerSecond: sized.warmReadUnitsPerSecond ?? ON_DEMAND_INITIAL_THROUGHPUT.readUnitsPerSecond,
  indexInitialWriteUnitsPerSecond: sized.indexWarmWriteUnitsPerSecond,
  throughputQuota: TABLE_THROUGHPUT_QUOTA,
});

type Row = { path: string; mix: string; results: StormResult[]; lost: string };
/** Each storm under the sizing `sizingFor` gives its fleet: the default's, or `fleetSize` set to the fleet. */
function stormRows(sizingFor: (devices: number) => FleetParameters): Row[] {
  const rows: Row[] = [];
  for (const path of PATHS) {
    for (const mix of MIXES) {
      const chosen = events.filter((e) => e.source === path.source && mix.kinds.includes(e.kind));
      const writes = meanWrites(chosen);
      const waves = Math.max(...chosen.map((e) => e.waves));
      const results = STORM_SIZES.map((n) => {
        const sized = sizingFor(n);
        return absorbStorm(n, writes, limitsOf(sized, path.frontEventsPerSecond(sized, waves)));
      });
      rows.push({ path: path.name, mix: mix.name, results, lost: path.lost });
    }
  }
  return rows;
}
const rows = stormRows(() => p);
const sizedRows = stormRows((devices) => fleetParameters(devices));

const table = (of: Row[]) => [
  `| path | sessions | ${STORM_SIZES.map((n) => `${n.toLocaleString('en-US')} devices`).join(' | ')} | held back by |`,
  `| --- | --- | ${STORM_SIZES.map(() => '---').join(' | ')} | --- |`,
  ...of.map(
    (r) =>
      `| ${r.path} | ${r.mix} | ${r.results.map((x) => `${minutes(x.minutes)}${target(x)} (${Math.round(x.initialEventsPerSecond).toLocaleString('en-US')}/s)`).join(' | ')} | ${[...new Set(r.results.flatMap((x) => x.limitedBy))].join('; ')} |`,
  ),
];
const target = (r: StormResult) => (STORM_TARGET_MINUTES[r.devices] === undefined ? '' : r.minutes <= STORM_TARGET_MINUTES[r.devices]! ? ' ✓' : ' ✗');
const units = (n: number) => n.toLocaleString('en-US');
const warmOf = (sized: FleetParameters) =>
  sized.warmWriteUnitsPerSecond
    ? `warm throughput: table ${units(sized.warmWriteUnitsPerSecond)} write / ${units(sized.warmReadUnitsPerSecond ?? ON_DEMAND_INITIAL_THROUGHPUT.readUnitsPerSecond)} read units/s, ${Object.entries(sized.indexWarmWriteUnitsPerSecond)
        .map(([name, w]) => `${name} ${units(w)}`)
        .join(', ')} write units/s`
    : `on-demand's initial ${units(ON_DEMAND_INITIAL_THROUGHPUT.writeUnitsPerSecond)} write units/s, table and each index`;

/**
 * The quota read as one figure for the table and its indexes together (as
 * AWS's guide once worded it): events a second could not pass it over an
 * event's units in all, whatever the shards.
 */
const totalUnits = (w: EventWrites) => w.sessionUnits + w.counterUnits + Object.values(w.indexUnits).reduce((a, b) => a + b, 0);
const summedQuota = MIXES.flatMap((mix) =>
  (['emqx', 'aws'] as const).map((source) => {
    const total = totalUnits(meanWrites(events.filter((e) => e.source === source && mix.kinds.includes(e.kind))));
    const rate = TABLE_THROUGHPUT_QUOTA / total;
    return `${source === 'emqx' ? 'EMQX 5' : 'AWS IoT'}, ${mix.name}: ${total} write units an event, at most ${units(Math.floor(rate))} events/s: 10,000,000 devices in no less than ${minutes((2 * 10_000_000) / rate / 60)}`;
  }),
);

const markdown = [
  '# Reconnect storms: every device disconnects and connects again',
  '',
  `Defaults (\`fleetSize\` ${units(p.fleetSize)}): ${p.sessionShards} shards (busiest holds ${(largestShardShare(p.sessionShards) * 100).toFixed(1)}% of the devices), ingest throttle ${units(p.ingestRateLimit)} requests/s × ${p.eventsPerRequest} event(s) each (API Gateway's account limit, ${units(API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND)} requests/s, less the admin routes' throttle), Lambda concurrency ${units(p.lambdaConcurrency)}, ${warmOf(p)}, each doubling every 30 min up to the table-level quota (${units(TABLE_THROUGHPUT_QUOTA)} units/s, the table and each index), the largest tenant ${LARGEST_TENANT_SHARE * 100}% of the fleet. Targets: 1M ≤ ${STORM_TARGET_MINUTES[1_000_000]} min, 10M ≤ ${STORM_TARGET_MINUTES[10_000_000]} min, nothing lost.`,
  '',
  ...table(rows),
  '',
  `With \`fleetSize\` set to the storm's fleet (${STORM_SIZES.map((n) => `${units(n)}: ${fleetParameters(n).sessionShards} shards, ingest throttle ${units(fleetParameters(n).ingestRateLimit)}/s, ${warmOf(fleetParameters(n))}`).join('; ')}):`,
  '',
  ...table(sizedRows),
  '',
  'Events lost:',
  '',
  ...PATHS.map((path) => `- ${path.name}: ${path.lost}.`),
  '',
  `If the table-level quota (${units(TABLE_THROUGHPUT_QUOTA)} write units/s) held for the table and its indexes together rather than for each, events a second could not pass it over an event's write units in all:`,
  '',
  ...summedQuota.map((line) => `- ${line}.`),
  '',
  'Model: a partition takes 1,000 write units a second (indexes included, and a partition key value is never split below that); each event\'s units per place are the mean of the storm\'s two events as measured by `npm run bench:cost`, an index\'s units on partitions of the event\'s shard, at most 1 unit an event on each (an entry moving between states is deleted from one partition and put in another; by-username: of the shard and tenant); the table and each index start at their warm throughput (or on-demand\'s initial) and double every 30 minutes of storm, up to the table-level quota; Lambda billed time as in the cost bench\'s assumptions.',
  '',
].join('\n');

await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(join(RESULTS_DIR, 'storm.json'), `${JSON.stringify({ parameters: p, largestTenantShare: LARGEST_TENANT_SHARE, rows, sizedRows }, null, 2)}\n`);
await writeFile(join(RESULTS_DIR, 'storm.md'), markdown);
process.stdout.write(markdown);
