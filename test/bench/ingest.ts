/**
 * The cost of feeding the table from real brokers: one ingest event of each
 * kind applied through SourceWriter (from bodies parsed as they arrive), and
 * one reconciliation run against an in-memory broker view per table size.
 *
 * Runs inside `npm run bench` (after its other parts; BENCH_INGEST=0 skips
 * it) or alone: `tsx test/bench/ingest.ts`, which starts its own DynamoDB
 * Local. Writes bench-results/ingest.json and ingest.md.
 *
 * BENCH_INGEST_SIZES: reconciliation table sizes (default 1000,10000,100000).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BrokerSession, BrokerView } from '../../functions/sources/broker-view.js';
import { reconcile } from '../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../functions/reconcile/statistics-memo.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { counterKey, type Item } from '../../functions/sessions/item.js';
import { shardOf } from '../../functions/sessions/keys.js';
import { isLive, STATISTICS_FIELDS, type ConnectionInfo, type LiveSession, type SessionEvent, type Statistics } from '../../functions/sessions/model.js';
import type { SourceEvent } from '../../functions/sessions/source-events.js';
import { SourceWriter } from '../../functions/sessions/source-writer.js';
import { SessionStore } from '../../functions/sessions/store.js';
import { createTableInput } from '../../functions/sessions/table.js';
import { topicsKey } from '../../functions/sessions/topics.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { LOCAL_CLIENT_CONFIG, SIMULATOR_PACKAGE, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { foldEvents, bulkLoad } from './bulk-load.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import {
  AWS_REGION,
  awsConnected,
  awsDisconnected,
  awsSubscribed,
  emqx4SessionTerminated,
  emqx5Connected,
  emqx5Disconnected,
  emqx5Subscription,
  PARSERS,
  type AwsClient,
  type Body,
  type Emqx5Client,
  type Parsers,
} from './ingest-bodies.js';
import { renderIngestMarkdown, type IngestEventResult, type IngestResults, type ReconcileResult } from './ingest-report.js';
import { latency, timed } from './operations.js';
import { planSessions } from './population.js';
import { itemSize, modeledWriteUnits, type ItemChange } from './write-cost-model.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS_DIR = join(PROJECT_ROOT, 'bench-results');
const SHARDS = 8;
/** Events of each kind: the first is measured, all are timed. */
const REPEATS = Number(process.env.BENCH_INGEST_REPEATS ?? 30);
const POPULATION = 1_000;
const RECONCILE_SIZES = (process.env.BENCH_INGEST_SIZES ?? '1000,10000,100000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const EMQX5_NODE = 'emqx@10.0.9.9';
const EMQX4_NODE = 'emqx@10.0.9.4';

type Log = (message: string) => void;

/**
 * The service's client, with longer timeouts: DynamoDB Local (a JVM on the
 * same two cores) takes seconds for the 1 MB index pages that reconciliation
 * reads 24 at a time from a 100,000-session table, and its BatchGetItem
 * requests (one per 100 sessions, all at once) wait for a socket longer than
 * the service's 1 s connection timeout.
 */
function documentClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient(
    { endpoint, region: LOCAL_CLIENT_CONFIG.region },
    { credentials: LOCAL_CLIENT_CONFIG.credentials, maxAttempts: 10, requestHandler: { connectionTimeout: 30_000, requestTimeout: 30_000, throwOnRequestTimeout: true } },
  );
}

async function createTable(db: DynamoDBDocumentClient, name: string): Promise<TableRef> {
  const table: TableRef = { tableName: `${name}-${Date.now()}`, shards: SHARDS };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  return table;
}

/** A planned population with EMQX's connection naming (conn_id ''), as records the writer would store. */
function population(n: number, now: number, seed: number): LiveSession[] {
  return planSessions(n, now, seed)
    .filter((s) => s.kind !== 'expired-unswept')
    .map((s) => foldEvents(s.events.map((e) => ({ ...e, conn: { ...e.conn, conn_id: '' } }) as SessionEvent)))
    .filter((r): r is LiveSession => r !== undefined) as LiveSession[];
}

// ---------------------------------------------------------------- ingest events

async function benchEvents(db: DynamoDBDocumentClient, sideDb: DynamoDBDocumentClient, meter: CapacityMeter, parsers: Parsers, log: Log) {
  const table = await createTable(db, 'bench-ingest');
  try {
    const now = Date.now();
    await bulkLoad(sideDb, table, population(POPULATION, now, 7));
    const writer = new SourceWriter(db, table);
    const side = new SourceWriter(sideDb, table);
    const results: IngestEventResult[] = [];
    const get = async (clientid: string) =>
      (await sideDb.send(new GetCommand({ TableName: table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;
    const snapshot = async (clientid: string) => ({
      session: await get(clientid),
      topics: await get(topicsKey(clientid)),
      counter: await get(counterKey(shardOf(clientid, table.shards))),
    });
    const parse = (source: 'emqx' | 'aws', body: Body, receivedAt = Date.now()): SourceEvent => {
      const events = parsers[source](body, receivedAt);
      if (events.length !== 1) throw new Error(`expected one event from ${JSON.stringify(body).slice(0, 200)}, got ${events.length}`);
      return events[0]!;
    };
    const applyAll = async (events: SourceEvent[]) => {
      for (const event of events) await side.apply(event);
    };
    let tag = 0;
    /**
     * Prepares REPEATS events of one kind on fresh clients (setup unmetered),
     * measures applying the first, times applying all.
     */
    const eventOp = async (name: string, source: 'emqx' | 'aws', expect: 'applied' | 'ignored', prepare: (i: number, id: string) => Promise<Body>) => {
      log(`ingest: ${name}`);
      const run = ++tag;
      const bodies: Body[] = [];
      for (let i = 0; i < REPEATS; i++) bodies.push(await prepare(i, `ingest-${run}-${i}`));
      const events = bodies.map((b) => parse(source, b));
      const clientid = 'conn' in events[0]! ? events[0].conn.clientid : events[0]!.clientid;
      const before = await snapshot(clientid);
      const { result: outcome, measurement } = await meter.measure(() => writer.apply(events[0]!));
      const after = await snapshot(clientid);
      if (outcome !== expect) throw new Error(`${name}: expected ${expect}, got ${outcome}`);
      let next = 1;
      const samples = await timed({ iterations: REPEATS - 1, timeMs: 10_000, minIterations: 5 }, async () => {
        const out = await writer.apply(events[next++]!);
        if (out !== expect) throw new Error(`${name}: expected ${expect}, got ${out}`);
      });
      const transactional = (measurement.byCommand.TransactWriteItemsCommand ?? 0) > 0;
      const changes: ItemChange[] = [];
      for (const key of ['session', 'topics', 'counter'] as const) {
        if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes.push({ before: before[key], after: after[key], transactional });
      }
      results.push({
        name,
        source,
        outcome,
        requests: measurement.requests,
        waves: measurement.waves,
        byCommand: measurement.byCommand,
        table: measurement.table,
        indexes: measurement.indexes,
        total: totalUnits(measurement),
        modeled: modeledWriteUnits(changes),
        sessionBytes: itemSize(after.session ?? before.session ?? {}),
        topicsBytes: after.topics ? itemSize(after.topics) : 0,
        latency: latency(samples),
      });
    };

    const startedAt = Date.now();
    const client = (id: string, i: number, persistent: boolean): Emqx5Client => ({
      clientid: id,
      node: EMQX5_NODE,
      connected_at: startedAt + i,
      clean_start: !persistent,
      expiry_interval: persistent ? 7_200 : 0,
    });
    const later = (c: Emqx5Client): Emqx5Client => ({ ...c, connected_at: c.connected_at + 60_000, clean_start: false });
    const topic = (k: number) => `site/042/device/${k}/telemetry/+`;
    const subscribeTo = async (c: Emqx5Client, count: number) => {
      for (let k = 0; k < count; k++) await applyAll(parsers.emqx(emqx5Subscription('subscribed', c, topic(k), startedAt + k), Date.now()));
    };
    const connect = async (c: Emqx5Client) => applyAll(parsers.emqx(emqx5Connected(c), Date.now()));
    const duplicate = async (body: Body) => {
      await applyAll(parsers[body.eventType ? 'aws' : 'emqx'](body, Date.now()));
      return body;
    };

    // Warm the JVM and the SDK before anything is timed.
    for (let i = 0; i < 100; i++) {
      const c = client(`ingest-warmup-${i}`, i, i % 2 === 0);
      await writer.apply(parse('emqx', emqx5Connected(c)));
      await writer.apply(parse('emqx', emqx5Subscription('subscribed', c, topic(i), startedAt + i)));
      await writer.apply(parse('emqx', emqx5Disconnected(c, c.connected_at + 1_000)));
    }

    // EMQX 5
    await eventOp('EMQX 5 client.connected (new session)', 'emqx', 'applied', async (i, id) => emqx5Connected(client(id, i, false)));
    await eventOp('EMQX 5 client.connected (resumes a persistent session)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      await subscribeTo(c, 3);
      await applyAll(parsers.emqx(emqx5Disconnected(c, c.connected_at + 30_000), Date.now()));
      return emqx5Connected(later(c));
    });
    await eventOp('EMQX 5 client.disconnected (clean: session ends)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, false);
      await connect(c);
      return emqx5Disconnected(c, c.connected_at + 30_000);
    });
    await eventOp('EMQX 5 client.disconnected (persistent: kept offline)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      return emqx5Disconnected(c, c.connected_at + 30_000);
    });
    await eventOp('EMQX 5 session.subscribed (first topic)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      return emqx5Subscription('subscribed', c, topic(0), startedAt + 1_000);
    });
    await eventOp('EMQX 5 session.subscribed (50th topic)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      await subscribeTo(c, 49);
      return emqx5Subscription('subscribed', c, topic(49), startedAt + 1_000);
    });
    await eventOp('EMQX 5 session.unsubscribed (1 of 10 topics)', 'emqx', 'applied', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      await subscribeTo(c, 10);
      return emqx5Subscription('unsubscribed', c, topic(3), startedAt + 2_000);
    });
    // Duplicates: the same body delivered twice (EMQX retries; AWS IoT may duplicate).
    await eventOp('duplicate client.connected (ignored)', 'emqx', 'ignored', async (i, id) => duplicate(emqx5Connected(client(id, i, false))));
    await eventOp('duplicate client.disconnected, clean (ignored)', 'emqx', 'ignored', async (i, id) => {
      const c = client(id, i, false);
      await connect(c);
      return duplicate(emqx5Disconnected(c, c.connected_at + 30_000));
    });
    await eventOp('duplicate client.disconnected, persistent (ignored)', 'emqx', 'ignored', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      return duplicate(emqx5Disconnected(c, c.connected_at + 30_000));
    });
    await eventOp('duplicate session.subscribed (ignored)', 'emqx', 'ignored', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      await subscribeTo(c, 5);
      return duplicate(emqx5Subscription('subscribed', c, topic(4), startedAt + 4));
    });
    await eventOp('duplicate session.unsubscribed (ignored)', 'emqx', 'ignored', async (i, id) => {
      const c = client(id, i, true);
      await connect(c);
      await subscribeTo(c, 5);
      return duplicate(emqx5Subscription('unsubscribed', c, topic(2), startedAt + 2_000));
    });
    // EMQX 4.4. Its plugin's client_connected does not say clean_start, so the offline persistent session is set up from an EMQX 5 body on the 4.4 node.
    await eventOp('EMQX 4.4 session_terminated (offline session expired)', 'emqx', 'applied', async (i, id) => {
      const c = { ...client(id, i, true), node: EMQX4_NODE };
      await connect(c);
      await applyAll(parsers.emqx(emqx5Disconnected(c, c.connected_at + 30_000), Date.now()));
      return emqx4SessionTerminated(id, EMQX4_NODE, 'expired');
    });
    await eventOp('duplicate session_terminated (ignored)', 'emqx', 'ignored', async (i, id) => {
      const c = { ...client(id, i, true), node: EMQX4_NODE };
      await connect(c);
      await applyAll(parsers.emqx(emqx5Disconnected(c, c.connected_at + 30_000), Date.now()));
      return duplicate(emqx4SessionTerminated(id, EMQX4_NODE, 'expired'));
    });
    // AWS IoT
    const aws = (id: string, i: number): AwsClient => ({ clientId: id, sessionIdentifier: `a1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`, versionNumber: 7, timestamp: startedAt + i });
    await eventOp('AWS IoT connected', 'aws', 'applied', async (i, id) => awsConnected(aws(id, i)));
    await eventOp('AWS IoT disconnected', 'aws', 'applied', async (i, id) => {
      await applyAll(parsers.aws(awsConnected(aws(id, i)), Date.now()));
      return awsDisconnected(aws(id, i), startedAt + 30_000);
    });
    await eventOp('AWS IoT subscribed (2 topics)', 'aws', 'applied', async (i, id) => {
      await applyAll(parsers.aws(awsConnected(aws(id, i)), Date.now()));
      return awsSubscribed(aws(id, i), startedAt + 1_000, ['dt/site-042/+/telemetry', 'cmd/site-042/device-7']);
    });
    await eventOp('duplicate AWS IoT connected (ignored)', 'aws', 'ignored', async (i, id) => duplicate(awsConnected(aws(id, i))));

    // A statistics update beside a session with 200 topics: the topics live in their own item.
    log('ingest: statistics with 200 topics');
    const heavy: Emqx5Client = client('ingest-heavy-topics', 0, true);
    await connect(heavy);
    for (let k = 0; k < 200; k += 50) {
      await side.apply({ type: 'subscribed', clientid: heavy.clientid, at: startedAt + k, topics: Array.from({ length: 50 }, (_, j) => ({ topic: topic(k + j), qos: 1 as const })) });
    }
    const stored = await get(heavy.clientid);
    const conn = stored as unknown as ConnectionInfo;
    const stats = Object.fromEntries(STATISTICS_FIELDS.map((f, j) => [f, 1_000_003 * (j + 1)])) as Statistics;
    const { measurement: statsMeasurement } = await meter.measure(() => writer.apply({ type: 'statistics', conn, seq: 1, statistics: stats }));
    const topicsItem = await get(topicsKey(heavy.clientid));
    const statisticsWith200Topics = {
      subscriptions_cnt: Number((await get(heavy.clientid))?.subscriptions_cnt),
      sessionBytes: itemSize((await get(heavy.clientid)) ?? {}),
      topicsBytes: itemSize(topicsItem ?? {}),
      requests: statsMeasurement.requests,
      byCommand: statsMeasurement.byCommand,
      wcu: statsMeasurement.table.write,
    };
    return { events: results, statisticsWith200Topics };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
  }
}

// ---------------------------------------------------------------- reconciliation

function brokerSession(record: LiveSession): BrokerSession {
  const conn = { ...record } as Record<string, unknown>;
  return {
    conn: conn as unknown as ConnectionInfo,
    conn_state: record.conn_state === 'connected' ? 'connected' : 'disconnected',
    disconnected_at: record.disconnected_at,
    statistics: Object.fromEntries(STATISTICS_FIELDS.map((f) => [f, record[f]])) as Statistics,
  };
}

/** An EMQX 5 cluster's list, held in memory: exact connect times, a list that cannot skip. */
function memoryView(sessions: readonly BrokerSession[]): BrokerView {
  return {
    name: 'bench-emqx5',
    connectedAtPrecisionMs: 1,
    covers: (node) => node.startsWith('emqx@'),
    async *sessions(signal) {
      for (const session of sessions) {
        if (signal.aborted) return;
        yield session;
      }
    },
  };
}

async function benchReconcile(n: number, db: DynamoDBDocumentClient, sideDb: DynamoDBDocumentClient, meter: CapacityMeter, log: Log): Promise<ReconcileResult[]> {
  const table = await createTable(db, `bench-reconcile-${n}`);
  try {
    const now = Date.now();
    const records = population(n, now, n + 11);
    log(`reconcile N=${n}: loading ${records.length} records`);
    const loadStarted = performance.now();
    await bulkLoad(sideDb, table, records);
    log(`reconcile N=${n}: loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    const held = records.filter(isLive).map(brokerSession);
    const sideStore = new SessionStore(sideDb, table);
    const results: ReconcileResult[] = [];
    // Kept across runs, as a warm reconcile function keeps it.
    const statisticsMemo = new StatisticsMemo();

    const run = async (scenario: string, view: BrokerSession[], expected: { ended: number; added: number; statistics: number }, touched: string[]) => {
      log(`reconcile N=${n}: ${scenario}`);
      const before = await sideStore.batchGetItems(touched);
      const started = performance.now();
      const { result: report, measurement } = await meter.measure(() => reconcile({ db, table, view: memoryView(view), concurrency: 16, statisticsMemo }));
      const seconds = (performance.now() - started) / 1000;
      const after = await sideStore.batchGetItems(touched);
      // Writes that move a session between states are transactions with its shard's counter (under 1 KB).
      const changes: ItemChange[] = [];
      let counterWrites = 0;
      for (const id of touched) {
        const b = before.get(id);
        const a = after.get(id);
        if (JSON.stringify(b) === JSON.stringify(a)) continue;
        const transactional = (b?.conn_state ?? null) !== (a?.conn_state ?? null);
        if (transactional) counterWrites++;
        changes.push({ before: b, after: a, transactional });
      }
      const modeled = modeledWriteUnits(changes);
      modeled.table += counterWrites * 2;
      const per1000 = (x: number) => (x * 1000) / n;
      const total = totalUnits(measurement);
      const modeledTotal = modeled.table + Object.values(modeled.indexes).reduce((a, b) => a + b, 0);
      const ok = report.ended === expected.ended && report.added === expected.added && report.statistics === expected.statistics && report.failed === 0 && !report.truncated;
      results.push({
        n,
        scenario,
        report,
        expected,
        agrees: ok,
        seconds,
        requests: measurement.requests,
        byCommand: measurement.byCommand,
        table: measurement.table,
        indexes: measurement.indexes,
        total,
        modeledWrite: modeled,
        per1000: { requests: per1000(measurement.requests), read: per1000(total.read), writeLocal: per1000(total.write), writeModeled: per1000(modeledTotal), seconds: per1000(seconds) },
      });
      if (!ok) log(`reconcile N=${n}: ${scenario}: report ${JSON.stringify(report)} differs from ${JSON.stringify(expected)}`);
    };

    const onePercent = Math.max(1, Math.floor(held.length / 100));
    const every = Math.floor(held.length / onePercent);
    await run('(a) broker agrees, statistics unchanged, cold function', held, { ended: 0, added: 0, statistics: 0 }, []);
    await run('(a) again, warm function (statistics memo)', held, { ended: 0, added: 0, statistics: 0 }, []);

    const changedIds: string[] = [];
    const changed = held.map((s, i) => {
      if (i % every !== 0 || changedIds.length >= onePercent) return s;
      changedIds.push(s.conn.clientid);
      const statistics = { ...s.statistics!, recv_pkt: s.statistics!.recv_pkt + 10, recv_msg: s.statistics!.recv_msg + 10, recv_oct: s.statistics!.recv_oct + 4_096, mqueue_len: s.statistics!.mqueue_len + 1 };
      return { ...s, statistics };
    });
    await run('(b) 1% tracked statistics (mqueue_len) changed, warm function', changed, { ended: 0, added: 0, statistics: changedIds.length }, changedIds);

    const ghostIds = new Set<string>();
    for (let i = Math.floor(every / 2); i < changed.length && ghostIds.size < onePercent; i += every) ghostIds.add(changed[i]!.conn.clientid);
    const missed: BrokerSession[] = Array.from({ length: onePercent }, (_, i) => {
      const template = changed[i * every]!;
      const connectedAt = now - 5_000 - i;
      return { ...template, conn: { ...template.conn, clientid: `missed-connect-${n}-${i}`, connected_at: connectedAt, created_at: connectedAt }, conn_state: 'connected', disconnected_at: null };
    });
    await run(
      '(c) 1% ghosts + 1% missed connects',
      [...changed.filter((s) => !ghostIds.has(s.conn.clientid)), ...missed],
      { ended: ghostIds.size, added: missed.length, statistics: 0 },
      [...ghostIds, ...missed.map((s) => s.conn.clientid)],
    );
    return results;
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
  }
}

// ---------------------------------------------------------------- entry points

export async function benchIngest(endpoint: string, log: Log, sizes = RECONCILE_SIZES): Promise<IngestResults> {
  const startedAt = new Date().toISOString();
  const db = documentClient(endpoint);
  // Setup and before/after reads go through their own client, so that only the measured path is metered.
  const sideDb = documentClient(endpoint);
  const meter = new CapacityMeter(db);
  try {
    const parsers = PARSERS;
    const { events, statisticsWith200Topics } = await benchEvents(db, sideDb, meter, parsers, log);
    const reconciliation: ReconcileResult[] = [];
    for (const n of sizes) reconciliation.push(...(await benchReconcile(n, db, sideDb, meter, log)));
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
        memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
        dynamodb: `DynamoDB Local from ${SIMULATOR_PACKAGE}, in memory, loopback`,
        shards: SHARDS,
        eventsPerKind: REPEATS,
        population: POPULATION,
        awsRegion: AWS_REGION,
      },
      parsers: parsers.source,
      events,
      statisticsWith200Topics,
      reconciliation,
    };
  } finally {
    db.destroy();
    sideDb.destroy();
  }
}

export async function writeIngestResults(results: IngestResults): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = renderIngestMarkdown(results, 1);
  await writeFile(join(RESULTS_DIR, 'ingest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, 'ingest.md'), `${markdown}\n`);
  return markdown;
}

async function main() {
  const log: Log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  log(`ingest benchmark; reconciliation sizes ${RECONCILE_SIZES.join(', ')}; starting DynamoDB Local`);
  const local = await startDynamoDbLocal();
  try {
    const results = await benchIngest(local.endpoint, log);
    process.stdout.write(`${await writeIngestResults(results)}\n`);
  } finally {
    await local.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
