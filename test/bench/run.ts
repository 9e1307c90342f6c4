/**
 * `npm run bench`: the cost and speed of the clients API, measured.
 *
 * Starts its own DynamoDB Local and an in-process MQTT broker (loopback),
 * loads a table of N realistic sessions through SessionWriter for each N in
 * BENCH_SIZES (default 1000,10000,100000), and measures every API operation
 * and every broker-event write: requests, round trips, consumed capacity per
 * table and index, and latency through the handler against the bare DynamoDB
 * requests. Before all that, on quiet cores, it bundles each handler and
 * times its cold start (bundles.ts: load, and load plus a first request). Writes
 * bench-results/latest.json and latest.md, and prints the Markdown. Then
 * measures ingest events and reconciliation (ingest.ts, also written to
 * bench-results/ingest.json and ingest.md) unless BENCH_INGEST=0.
 *
 * BENCH_TIME_BUDGET_MS bounds the timing of each operation (default 8000).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MqttControlChannel } from '../../functions/control/mqtt-channel.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { counterKey } from '../../functions/sessions/item.js';
import { shardOf } from '../../functions/sessions/keys.js';
import type { ConnectionInfo, SessionEvent } from '../../functions/sessions/model.js';
import { SessionStore } from '../../functions/sessions/store.js';
import { createTableInput, isSessionKey, SESSION_INDEXES } from '../../functions/sessions/table.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { LOCAL_CLIENT_CONFIG, SIMULATOR_PACKAGE, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { apiHandlers } from '../support/handlers.js';
import { FakeNode } from '../support/fake-node.js';
import { getEvent, kickEvent, listEvent } from '../support/http.js';
import { connection, statistics } from '../support/sessions.js';
import { testBroker } from '../support/mqtt-broker.js';
import { measureBundles } from './bundles.js';
import { benchDocumentClient } from './standalone.js';
import { benchIngest, writeIngestResults } from './ingest.js';
import { CapacityMeter } from './capacity-meter.js';
import { measureCall, measureHandler, type Budget, type OperationResult } from './operations.js';
import { planSessions } from './population.js';
import { renderMarkdown, type BenchResults, type SizeResult, type StorageEstimate, type WriteResult } from './report.js';
import { indexEntry, itemSize, modeledWriteUnits, type Item } from './write-cost-model.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS_DIR = join(PROJECT_ROOT, 'bench-results');
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const TIME_BUDGET_MS = Number(process.env.BENCH_TIME_BUDGET_MS ?? 8_000);
const SHARDS = 8;
const LOAD_CONCURRENCY = 32;
const LOAD_CHUNK_SESSIONS = 5_000;
const BUNDLE_RUNS = 10;
const CURSOR_SECRET = 'bench-cursor-secret-0123456789';
/** Client fields the narrow index projection holds (a lean page). */
const LEAN_FIELDS = 'clientid,username,node,connected,connected_at,created_at,clean_start,proto_name,proto_ver,ip_address';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function documentClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, { credentials: LOCAL_CLIENT_CONFIG.credentials, maxAttempts: 10 });
}

async function rawItem(db: DynamoDBDocumentClient, table: TableRef, clientid: string): Promise<Item | undefined> {
  return (await db.send(new GetCommand({ TableName: table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;
}

async function fullScan(db: DynamoDBDocumentClient, table: TableRef) {
  let requests = 0;
  let rcu = 0;
  let items = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey, ReturnConsumedCapacity: 'TOTAL', Select: 'COUNT' }));
    requests++;
    rcu += page.ConsumedCapacity?.CapacityUnits ?? 0;
    items += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { requests, rcu, items };
}

/** DynamoDB bills each stored item and each index entry at its size plus 100 bytes. */
const STORAGE_OVERHEAD_BYTES = 100;

async function estimateStorage(db: DynamoDBDocumentClient, table: TableRef, sample: number): Promise<StorageEstimate> {
  let sessions = 0;
  let sampledItems = 0;
  let tableBytes = 0;
  const indexBytes: Record<string, number> = Object.fromEntries(SESSION_INDEXES.map((i) => [i.indexName, 0]));
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey, Limit: Math.min(1000, sample - sampledItems) }));
    for (const item of page.Items ?? []) {
      sampledItems++;
      tableBytes += itemSize(item) + STORAGE_OVERHEAD_BYTES;
      if (isSessionKey(String(item.clientid))) sessions++;
      for (const index of SESSION_INDEXES) {
        const entry = indexEntry(index, item);
        if (entry) indexBytes[index.indexName]! += itemSize(entry) + STORAGE_OVERHEAD_BYTES;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && sampledItems < sample);
  const perSession = (bytes: number) => bytes / Math.max(sessions, 1);
  const indexesPerSession = Object.fromEntries(Object.entries(indexBytes).map(([name, bytes]) => [name, perSession(bytes)]));
  return {
    sampledItems,
    tablePerSession: perSession(tableBytes),
    indexesPerSession,
    totalPerSession: perSession(tableBytes) + Object.values(indexesPerSession).reduce((a, b) => a + b, 0),
  };
}

async function benchSize(n: number, endpoint: string, meter: CapacityMeter, db: DynamoDBDocumentClient, broker: Awaited<ReturnType<typeof testBroker>>): Promise<SizeResult> {
  const table: TableRef = { tableName: `bench-${n}-${Date.now()}`, shards: SHARDS };
  // The fake node and the bookkeeping use their own client, so only the API's requests are metered;
  // with the bench's long request timeout, since a Scan page of a large table on DynamoDB Local takes seconds.
  const sideDb = benchDocumentClient(endpoint);
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  try {
    const now = Date.now();
    const sessions = planSessions(n, now, n);
    const events = sessions.flatMap((s) => s.events);
    const writer = new SessionWriter(db, table);
    log(`N=${n}: loading ${sessions.length} sessions (${events.length} events)`);
    meter.keepCommands = false;
    const loadStarted = performance.now();
    const { measurement: load } = await meter.measure(async () => {
      for (let i = 0; i < sessions.length; i += LOAD_CHUNK_SESSIONS) {
        await writer.applyAll(sessions.slice(i, i + LOAD_CHUNK_SESSIONS).flatMap((s) => s.events), LOAD_CONCURRENCY);
        if (sessions.length > LOAD_CHUNK_SESSIONS) log(`N=${n}: ${Math.min(i + LOAD_CHUNK_SESSIONS, sessions.length)} sessions loaded`);
      }
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    meter.keepCommands = true;
    const described = await db.send(new DescribeTableCommand({ TableName: table.tableName }));
    const storage = await estimateStorage(sideDb, table, 5_000);

    const sideStore = new SessionStore(sideDb, table);
    const visible = sessions.filter((s) => s.kind === 'connected' || s.kind === 'offline').map((s) => s.clientid);
    const connectedIds = sessions.filter((s) => s.kind === 'connected').map((s) => s.clientid);
    const topicPrefix = `bench/${n}`;
    const node = new FakeNode(sideStore, new SessionWriter(sideDb, table), topicPrefix);
    await node.attach(broker.aedes);
    const channel = new MqttControlChannel({ url: broker.url, topicPrefix, timeoutMs: 2_000, credentials: async () => ({}) });
    const api = apiHandlers({ db, table, cursorSecret: CURSOR_SECRET, channel, confirmTimeoutMs: 3_000 });
    const budget = (iterations: number): Budget => ({ iterations, timeMs: TIME_BUDGET_MS });
    const nowSeconds = Math.floor(Date.now() / 1000);
    const reads: OperationResult[] = [];
    const listOp = async (name: string, query: string, iterations = 200) => {
      log(`N=${n}: ${name}`);
      reads.push(await measureHandler(meter, name, () => api.list(listEvent(query)), budget(iterations)));
    };

    log(`N=${n}: GET /clients/{id}`);
    reads.push(await measureHandler(meter, 'GET /clients/{clientid}', (i) => api.get(getEvent(visible[(i * 7919) % visible.length]!)), budget(500)));
    await listOp('GET /clients (no filter, limit 100, with count)', '');
    // Beside it: the same page asking only for fields the narrow index holds, served from the index walk alone.
    await listOp('GET /clients?fields=<index fields> (lean: no BatchGetItem, limit 100, with count)', `fields=${LEAN_FIELDS}`);
    await listOp('conn_state=connected (limit 100, with count)', 'conn_state=connected');
    await listOp('conn_state=connected & created in the last 24 h', `conn_state=connected&_gte_created_at=${nowSeconds - 86_400}`);
    await listOp('username=tenant-000 (largest tenant)', 'username=tenant-000');
    await listOp('username=tenant-042 (small tenant)', 'username=tenant-042');
    await listOp('_like_clientid=sensor- (common)', '_like_clientid=sensor-');
    await listOp('_like_clientid=site-042/ (rare)', `_like_clientid=${encodeURIComponent('site-042/')}`);
    await listOp('_gte_mqueue_len=1 (backlog, full items)', '_gte_mqueue_len=1');
    await listOp('_limit=10, page 1', '_limit=10');
    await listOp('_limit=10&_page=50', '_limit=10&_page=50');

    // The 50th page by cursor: walk 49 pages, then measure the 50th.
    log(`N=${n}: cursor walk`);
    let cursor: string | undefined;
    for (let page = 1; page < 50; page++) {
      const body = JSON.parse((await api.list(listEvent(`_limit=10${cursor ? `&_cursor=${encodeURIComponent(cursor)}` : ''}`))).body) as { meta: { cursor?: string } };
      cursor = body.meta.cursor;
      if (!cursor) break;
    }
    if (cursor) await listOp('_limit=10&_cursor=<page 50>', `_limit=10&_cursor=${encodeURIComponent(cursor)}`);

    log(`N=${n}: DELETE /clients/{id}`);
    let kickIndex = 0;
    const kick = await measureHandler(meter, 'DELETE /clients/{clientid} (node executes)', () => api.kick(kickEvent(connectedIds[kickIndex++]!)), { iterations: 40, timeMs: TIME_BUDGET_MS }, { replay: true });
    kick.note = 'includes the MQTT publish (PUBACK) and the confirmation polls (first after 25 ms)';
    reads.push(kick);
    await node.idle();
    await channel.close();

    // Writes: each broker event on its own fresh clients.
    log(`N=${n}: writes`);
    const writes: WriteResult[] = [];
    const sideWriter = new SessionWriter(sideDb, table);
    const startedAt = Date.now();
    const connectionFor = (tag: string, i: number, persistent: boolean): ConnectionInfo =>
      connection({
        clientid: `bench-${tag}-${i}`,
        node: 'emqx@10.0.9.9',
        conn_id: `${tag}${i}`,
        connected_at: startedAt + i,
        username: 'tenant-001',
        ip_address: '10.1.2.3',
        proto_ver: 5,
        clean_start: !persistent,
        expiry_interval: persistent ? 86_400 : 0,
      });
    const statisticsEvent = (conn: ConnectionInfo, seq: number): SessionEvent =>
      statistics(conn, seq, {
        recv_oct: 123_456 * seq, recv_cnt: 2_345 * seq, recv_pkt: 2_300 * seq, recv_msg: 2_000 * seq, send_oct: 98_765 * seq,
        send_cnt: 1_999 * seq, send_pkt: 1_950 * seq, send_msg: 1_900 * seq, inflight: 3, mqueue_len: 17,
        heap_size: 28_000, reductions: 3_456_789 * seq,
      });
    /** Prepares `count` events (setting up, unmetered, whatever each needs first), then measures applying them. */
    const writeOp = async (name: string, count: number, prepare: (i: number) => Promise<SessionEvent>) => {
      const prepared: SessionEvent[] = [];
      for (let i = 0; i < count; i++) prepared.push(await prepare(i));
      const clientid = prepared[0]!.conn.clientid;
      const counter = counterKey(shardOf(clientid, table.shards));
      const before = { session: await rawItem(sideDb, table, clientid), counter: await rawItem(sideDb, table, counter) };
      const result = await measureCall(meter, name, (i) => writer.apply(prepared[i]!), { iterations: count - 1, timeMs: TIME_BUDGET_MS, minIterations: 1 });
      const after = { session: await rawItem(sideDb, table, clientid), counter: await rawItem(sideDb, table, counter) };
      const transactional = (result.byCommand.TransactWriteItemsCommand ?? 0) > 0;
      const changes = [{ before: before.session, after: after.session, transactional }];
      if (transactional) changes.push({ before: before.counter, after: after.counter, transactional });
      writes.push({ ...result, modeled: modeledWriteUnits(changes), itemBytes: itemSize(after.session ?? before.session ?? {}) });
    };
    const WRITES = 200;
    const persistent = (i: number) => connectionFor('p', i, true);
    const clean = (i: number) => connectionFor('c', i, false);
    await writeOp('connect (new session)', WRITES, async (i) => ({ type: 'connected', conn: persistent(i) }));
    await writeOp('statistics snapshot', WRITES, async (i) => statisticsEvent(persistent(i), 1));
    await writeOp('subscriptions snapshot', WRITES, async (i) => ({ type: 'subscriptions', conn: persistent(i), seq: 1, subscriptions_cnt: 5 }));
    await writeOp('disconnect (persistent: offline, kept)', WRITES, async (i) => ({ type: 'disconnected', conn: persistent(i), at: Date.now() }));
    await writeOp('statistics snapshot (offline session)', WRITES, async (i) => statisticsEvent(persistent(i), 2));
    await writeOp('connect (resumes an offline session on another node)', WRITES, async (i) => ({
      type: 'connected',
      conn: { ...persistent(i), conn_id: `p${i}-again`, node: 'emqx@10.0.9.8', connected_at: persistent(i).connected_at + 60_000 },
    }));
    await writeOp('disconnect (clean: session ends)', WRITES, async (i) => {
      await sideWriter.apply({ type: 'connected', conn: clean(i) });
      return { type: 'disconnected', conn: clean(i), at: Date.now() };
    });
    await writeOp('terminated (kick of a connected session)', WRITES, async (i) => {
      const conn = { ...persistent(i), conn_id: `p${i}-again`, node: 'emqx@10.0.9.8', connected_at: persistent(i).connected_at + 60_000 };
      return { type: 'terminated', conn, at: Date.now(), reason: 'kicked' };
    });

    log(`N=${n}: full scan`);
    const scan = await fullScan(sideDb, table);
    return {
      n,
      shards: SHARDS,
      storage,
      load: {
        sessions: sessions.length,
        visible: visible.length,
        events: events.length,
        seconds: loadSeconds,
        eventsPerSecond: events.length / loadSeconds,
        requests: load.requests,
        failedRequests: load.failedRequests,
        byCommand: load.byCommand,
        table: load.table,
        indexes: load.indexes,
      },
      reads,
      writes,
      fullScan: scan,
      tableBytes: described.Table?.TableSizeBytes,
    };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
    sideDb.destroy();
  }
}

async function main() {
  const startedAt = new Date().toISOString();
  // Timed first, on quiet cores: DynamoDB Local and the broker would share them with the processes timed.
  log('bundles');
  const bundles = await measureBundles({
    projectRoot: PROJECT_ROOT,
    runs: BUNDLE_RUNS,
    env: { TABLE_NAME: 'sessions', SESSION_SHARDS: String(SHARDS), CURSOR_SECRET, AWS_REGION: 'us-east-1', CONTROL_BROKER_URL: 'mqtt://127.0.0.1:1883' },
  });
  log(`sizes ${SIZES.join(', ')}; starting DynamoDB Local`);
  const local = await startDynamoDbLocal();
  const broker = await testBroker();
  const db = documentClient(local.endpoint);
  const meter = new CapacityMeter(db);
  const results: BenchResults = {
    startedAt,
    finishedAt: '',
    environment: {
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
      dynamodb: `DynamoDB Local from ${SIMULATOR_PACKAGE}, in memory, loopback`,
      shards: SHARDS,
      loadConcurrency: LOAD_CONCURRENCY,
      timeBudgetPerOperationMs: TIME_BUDGET_MS,
    },
    sizes: [],
    bundles,
  };
  try {
    for (const n of SIZES) results.sizes.push(await benchSize(n, local.endpoint, meter, db, broker));
    if (process.env.BENCH_INGEST !== '0') {
      log('ingest events and reconciliation');
      results.ingest = await benchIngest(local.endpoint, log);
      await writeIngestResults(results.ingest);
    }
  } finally {
    results.finishedAt = new Date().toISOString();
    db.destroy();
    await broker.stop();
    await local.stop();
  }
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = renderMarkdown(results);
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, 'latest.md'), `${markdown}\n`);
  process.stdout.write(`${markdown}\n`);
}

await main();
