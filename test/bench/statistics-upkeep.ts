/**
 * `npx tsx test/bench/statistics-upkeep.ts`: what keeping statistics current
 * costs, beside the events. Measures with the real reconcile against a
 * DynamoDB Local of its own (an EMQX 5 list held in memory): a cold run, a
 * warm run with nothing changed, a warm run in which every session's
 * untracked counters moved, and one in which a share of sessions changed a
 * tracked field; and the time a live read of the broker adds to GET of one
 * client (the real get handler against the EMQX stand-in on loopback). Then
 * models a day of a fleet (statistics-upkeep-model.ts) with the events' cost
 * of bench-results/cost.json (`npm run bench:cost`) and writes
 * bench-results/statistics-upkeep.json and .md.
 *
 * BENCH_UPKEEP_SESSIONS: sessions loaded (default 5000).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDepsOf, getHandler } from '../../functions/api/get-handler.js';
import { loadGetConfig } from '../../functions/config.js';
import { reconcile } from '../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../functions/reconcile/statistics-memo.js';
import { refreshStatistics } from '../../functions/reconcile/statistics-run.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { DEFAULT_DRIFT_MINUTES } from '../../functions/config/reconcile.js';
import { STATISTICS_FIELDS, type LiveSession, type Statistics } from '../../functions/sessions/model.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { createTableInput, type TableRef } from '../../functions/sessions/table.js';
import type { BrokerSession, BrokerView } from '../../functions/sources/broker-view.js';
import { startEmqxRestApi, type EmqxClient } from '../../infra/local/emqx/rest-api.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { connection } from '../support/sessions.js';
import { getEvent } from '../support/http.js';
import { observability } from '../../functions/http/observability.js';
import { bulkLoad } from './bulk-load.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import { ASSUMPTIONS } from './cost-assumptions.js';
import { fleetParameters } from './fleet-parameters.js';
import { PRICES, PRICES_DATE, PRICES_REGION } from './prices.js';
import { benchDocumentClient, RESULTS_DIR, runStandaloneBench, type BenchLog } from './standalone.js';
import { upkeepPerDay, type UpkeepAssumptions, type UpkeepMeasured } from './statistics-upkeep-model.js';
import { renderUpkeepMarkdown, type LiveReadTiming } from './statistics-upkeep-report.js';

const SESSIONS = Number(process.env.BENCH_UPKEEP_SESSIONS ?? 5000);
/** Sessions whose tracked field changes in the measured run: enough to average over. */
const CHANGED_SHARE = 0.1;
const GET_SAMPLES = 200;
const EVENTS_PATH = { name: 'EMQX 5 → function URL', batchSize: 1 };

/** `n` connected EMQX sessions (connection named by node and connect time), with counters. */
function sessions(n: number): LiveSession[] {
  const start = Date.UTC(2026, 11, 1);
  return Array.from({ length: n }, (_, i) => {
    const conn = connection({ clientid: `upkeep-${i}`, node: `emqx@10.0.0.${1 + (i % 3)}`, conn_id: '', connected_at: start + i * 997 });
    const record = applyEvent(undefined, { type: 'connected', conn }) as LiveSession;
    return { ...record, recv_oct: 1000 + i, send_oct: 2000 + i, recv_msg: i % 50, mqueue_len: i % 7 === 0 ? 3 : 0 };
  });
}

const statisticsOf = (record: LiveSession): Statistics => Object.fromEntries(STATISTICS_FIELDS.map((f) => [f, record[f]])) as Statistics;
const held = (record: LiveSession, statistics = statisticsOf(record)): BrokerSession => ({ conn: record, conn_state: 'connected', disconnected_at: null, statistics });

function memoryView(list: readonly BrokerSession[]): BrokerView {
  return {
    name: 'bench-emqx5',
    connectedAtPrecisionMs: 1,
    covers: (node) => node.startsWith('emqx@'),
    async *sessions(signal) {
      for (const session of list) {
        if (signal.aborted) return;
        yield session;
      }
    },
  };
}

type RunFigures = { readUnits: number; writeUnits: number; seconds: number; statistics: number };

async function measureReconcile(db: DynamoDBDocumentClient, sideDb: DynamoDBDocumentClient, table: TableRef, log: BenchLog) {
  const records = sessions(SESSIONS);
  log(`loading ${records.length} sessions`);
  await bulkLoad(sideDb, table, records);
  const meter = new CapacityMeter(db);
  const memo = new StatisticsMemo();
  const run = async (label: string, list: BrokerSession[], statisticsMemo: StatisticsMemo, kind = reconcile): Promise<RunFigures> => {
    log(`reconcile: ${label}`);
    const started = performance.now();
    const { result, measurement } = await meter.measure(() => kind({ db, table, view: memoryView(list), concurrency: 16, statisticsMemo }));
    const seconds = (performance.now() - started) / 1000;
    if (result.failed > 0 || result.truncated) throw new Error(`reconcile ${label}: ${JSON.stringify(result)}`);
    const units = totalUnits(measurement);
    return { readUnits: units.read, writeUnits: units.write, seconds, statistics: result.statistics };
  };
  const same = records.map((r) => held(r));
  const cold = await run('cold, nothing changed', same, memo);
  const warm = await run('warm, nothing changed', same, memo);
  const untracked = await run('warm, every untracked counter moved', records.map((r) => held(r, { ...statisticsOf(r), recv_oct: r.recv_oct + 4096, send_msg: r.send_msg + 3, heap_size: 9000 })), memo);
  const every = Math.round(1 / CHANGED_SHARE);
  const changedList = records.map((r, i) => (i % every === 0 ? held(r, { ...statisticsOf(r), ...(i % 2 === 0 ? { mqueue_len: r.mqueue_len + 1 } : { mqueue_dropped: 1 }) }) : held(r)));
  const changedCount = changedList.filter((_, i) => i % every === 0).length;
  const changed = await run(`warm, ${changedCount} tracked fields changed`, changedList, memo);
  if (untracked.statistics !== 0 || changed.statistics !== changedCount) throw new Error(`unexpected writes: ${untracked.statistics}, ${changed.statistics} of ${changedCount}`);
  const statisticsOnly = await run('statistics run, warm, nothing changed', changedList, memo, refreshStatistics);
  // Sessions that connected again since the last run: the next run reads each once.
  const writer = new SessionWriter(db, table);
  const reconnected = new Map<number, LiveSession>();
  for (let i = 0; i < records.length; i += every) {
    const conn = { ...records[i]!, connected_at: records[i]!.connected_at + 60_000, created_at: records[i]!.connected_at + 60_000 };
    await writer.apply({ type: 'connected', conn });
    reconnected.set(i, applyEvent(undefined, { type: 'connected', conn }) as LiveSession);
  }
  const afterReconnects = changedList.map((listed, i) => (reconnected.has(i) ? held(reconnected.get(i)!) : listed));
  const newConnections = await run(`statistics run, ${reconnected.size} sessions connected again`, afterReconnects, memo, refreshStatistics);
  if (statisticsOnly.statistics !== 0 || newConnections.statistics !== 0) throw new Error(`unexpected writes: ${statisticsOnly.statistics}, ${newConnections.statistics}`);
  const per1000 = (x: number) => (x * 1000) / SESSIONS;
  const measured: UpkeepMeasured = {
    sessions: SESSIONS,
    warm: { readUnitsPer1000: per1000(warm.readUnits), secondsPer1000: per1000(warm.seconds) },
    cold: { readUnitsPer1000: per1000(cold.readUnits), secondsPer1000: per1000(cold.seconds) },
    untrackedOnlyWriteUnits: untracked.writeUnits,
    perChange: {
      writeUnits: changed.writeUnits / changedCount,
      readUnits: Math.max(0, changed.readUnits - warm.readUnits) / changedCount,
      seconds: Math.max(0, changed.seconds - warm.seconds) / changedCount,
    },
    statisticsRun: { readUnitsPer1000: per1000(statisticsOnly.readUnits), secondsPer1000: per1000(statisticsOnly.seconds) },
    perNewConnection: { readUnits: Math.max(0, newConnections.readUnits - statisticsOnly.readUnits) / reconnected.size },
  };
  return { measured, runs: { cold, warm, untracked, changed, changedCount, statisticsOnly, newConnections, reconnected: reconnected.size }, records };
}

/** The EMQX 5 client object the stand-in shows for a stored session. */
function emqxClientOf(r: LiveSession): EmqxClient {
  return {
    ...statisticsOf(r),
    clientid: r.clientid, username: r.username, node: r.node, connected: true, connected_at: r.connected_at, created_at: r.created_at,
    ip_address: r.ip_address, port: r.port, proto_name: r.proto_name, proto_ver: r.proto_ver, keepalive: r.keepalive, clean_start: r.clean_start,
    expiry_interval: r.expiry_interval, is_bridge: r.is_bridge, mountpoint: r.mountpoint, subscriptions_cnt: r.subscriptions_cnt, subscriptions_max: 'infinity',
    inflight_cnt: r.inflight, inflight_max: 32, mqueue_max: 1000, awaiting_rel_cnt: r.awaiting_rel, awaiting_rel_max: 100,
  };
}

/** Median and p99 of GET of one client through the real handler, with and without the live read. */
async function measureLiveRead(db: DynamoDBDocumentClient, table: TableRef, endpoint: string, records: LiveSession[], log: BenchLog): Promise<LiveReadTiming> {
  const sample = records.slice(0, GET_SAMPLES);
  const credentials = { key: 'bench', secret: 'bench-secret' };
  const api = await startEmqxRestApi({ backend: { clients: () => sample.map(emqxClientOf), kick: async () => false }, credentials });
  try {
    const env = {
      TABLE_NAME: table.tableName, SESSION_SHARDS: String(table.shards), DYNAMODB_ENDPOINT: endpoint, AWS_REGION: LOCAL_CLIENT_CONFIG.region,
      POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const live = { ...env, LIVE_STATISTICS_FROM: 'emqx5', EMQX_API_URL: api.url, EMQX_API_KEY: credentials.key, EMQX_API_SECRET: credentials.secret };
    const time = async (variables: Record<string, string>) => {
      const handler = getHandler(getDepsOf(loadGetConfig(variables), observability(variables), db));
      const ms: number[] = [];
      for (const record of [...sample, ...sample]) {
        const started = performance.now();
        const response = await handler(getEvent(record.clientid));
        ms.push(performance.now() - started);
        if (response.statusCode !== 200) throw new Error(`GET answered ${response.statusCode}`);
      }
      // The first pass warms connections; the second is measured.
      const sorted = ms.slice(sample.length).sort((a, b) => a - b);
      return { p50: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
    };
    log(`GET of one client, ${sample.length} samples each: stored, then live`);
    const stored = await time(env);
    const withLive = await time(live);
    return { samples: sample.length, storedMs: stored, liveMs: withLive };
  } finally {
    await api.stop();
  }
}

/** The mean $/M of the path reconciliation comes with, from `npm run bench:cost`. */
async function eventsCost(): Promise<{ dollarsPerMillion: number; path: string }> {
  type CostJson = { costs: Array<{ path: { name: string; batchSize: number }; mean: { total: number } }>; prices?: { date?: string } };
  const cost = JSON.parse(await readFile(join(RESULTS_DIR, 'cost.json'), 'utf8')) as CostJson;
  const row = cost.costs.find((c) => c.path.name === EVENTS_PATH.name && c.path.batchSize === EVENTS_PATH.batchSize);
  if (!row) throw new Error(`bench-results/cost.json has no ${EVENTS_PATH.name} row: run npm run bench:cost first`);
  return { dollarsPerMillion: row.mean.total, path: `${EVENTS_PATH.name}, one event a request (bench-results/cost.json, prices ${cost.prices?.date ?? 'undated'})` };
}

await runStandaloneBench('statistics-upkeep', async (db, log, endpoint) => {
  const sideDb = benchDocumentClient(endpoint);
  const table: TableRef = { tableName: `bench-upkeep-${Date.now()}`, shards: fleetParameters().sessionShards };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  try {
    const events = await eventsCost();
    const { measured, runs, records } = await measureReconcile(db, sideDb, table, log);
    const liveRead = await measureLiveRead(db, table, endpoint, records, log);
    const assumptions: UpkeepAssumptions = {
      devices: 1_000_000,
      reconnectsPerDay: 1,
      intervalMinutes: 5,
      driftMinutes: DEFAULT_DRIFT_MINUTES,
      backlogFraction: 0.001,
      offlineSecondsPerReconnect: 10,
      coldRunsPerDay: 8,
      lambdaMemoryGb: ASSUMPTIONS.lambdaMemoryGb,
      eventsDollarsPerMillion: events.dollarsPerMillion,
      eventsPath: events.path,
      targetShare: 0.1,
    };
    const day = upkeepPerDay(measured, assumptions, PRICES);
    const markdown = renderUpkeepMarkdown({ measured, runs, liveRead, assumptions, day, prices: PRICES });
    return { json: { prices: { region: PRICES_REGION, date: PRICES_DATE }, measured, runs, liveRead, assumptions, day }, markdown };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
    sideDb.destroy();
  }
});
