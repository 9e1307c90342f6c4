/**
 * Lean pages, side by side: a 100-row page with every field, and the same
 * page asking only (`fields=`) for fields the narrow index projection holds,
 * which is served from the index walk alone (no BatchGetItem of the rows).
 * Read units, requests and index entries read, as DynamoDB Local reports
 * them, at each table size; on `/api/v5/clients` and on the native list.
 *
 * `npx tsx test/bench/lean.ts` starts its own DynamoDB Local and writes
 * bench-results/lean.json and lean.md (a minute or two). BENCH_LEAN_SIZES
 * sets the table sizes (default 1000,10000). `npm run bench` measures the
 * same pair for the native list among its operations.
 */
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LiveSession } from '../../functions/sessions/model.js';
import { createTableInput } from '../../functions/sessions/table.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { apiHandlers } from '../support/handlers.js';
import { httpEvent } from '../support/http.js';
import { bulkLoad, foldEvents } from './bulk-load.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import { planSessions } from './population.js';
import { runStandaloneBench, type BenchLog } from './standalone.js';

const SHARDS = 8;
const SIZES = (process.env.BENCH_LEAN_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const CURSOR_SECRET = 'bench-cursor-secret-0123456789';
/** Every 5.x field the narrow index holds (or that needs nothing stored). */
const V5_LEAN = 'clientid,username,node,connected,connected_at,created_at,clean_start,proto_name,proto_ver,ip_address,is_expired,durable';
/** The same for the native client object. */
const NATIVE_LEAN = 'clientid,username,node,connected,connected_at,created_at,clean_start,proto_name,proto_ver,ip_address,zone';

/** A list request as API Gateway hands it to the function: its route and query. */
type Case = { name: string; path: string; query: string };
type Row = { operation: string; sessions: number; rows: number; readUnits: number; requests: number; batchGets: number; entriesRead: number; bytes: number };

const CASES: Case[] = [
  { name: '/api/v5/clients?limit=100 (every field)', path: '/api/v5/clients', query: 'limit=100' },
  { name: `/api/v5/clients?limit=100&fields=<index fields> (lean)`, path: '/api/v5/clients', query: `limit=100&fields=${V5_LEAN}` },
  { name: '/api/v5/clients?limit=100&conn_state=connected (every field)', path: '/api/v5/clients', query: 'limit=100&conn_state=connected' },
  { name: '/api/v5/clients?limit=100&conn_state=connected&fields=<index fields> (lean)', path: '/api/v5/clients', query: `limit=100&conn_state=connected&fields=${V5_LEAN}` },
  { name: '/api/v5/clients_v2?limit=100&fields=clientid,connected (lean)', path: '/api/v5/clients_v2', query: 'limit=100&fields=clientid,connected' },
  { name: 'GET /clients?_limit=100 (every field)', path: '/clients', query: '_limit=100' },
  { name: 'GET /clients?_limit=100&fields=<index fields> (lean)', path: '/clients', query: `_limit=100&fields=${NATIVE_LEAN}` },
];

async function benchSize(db: DynamoDBDocumentClient, meter: CapacityMeter, size: number, log: BenchLog): Promise<Row[]> {
  const now = Date.now();
  const table: TableRef = { tableName: `bench-lean-${size}-${Date.now()}`, shards: SHARDS };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  try {
    log(`loading ${size} sessions`);
    const records = planSessions(size, now, 7)
      .filter((s) => s.kind === 'connected' || s.kind === 'offline')
      .map((s) => foldEvents(s.events))
      .filter((r): r is LiveSession => r !== undefined);
    await bulkLoad(db, table, records);
    const { list } = apiHandlers({ db, table, cursorSecret: CURSOR_SECRET });
    const rows: Row[] = [];
    for (const c of CASES) {
      const event = httpEvent({ method: 'GET', routeKey: `GET ${c.path}`, rawPath: c.path, rawQueryString: c.query });
      const { result: response, measurement } = await meter.measure(() => list(event));
      if (response.statusCode !== 200) throw new Error(`${c.name}: ${response.statusCode} ${response.body}`);
      rows.push({
        operation: c.name,
        sessions: size,
        rows: (JSON.parse(response.body) as { data: unknown[] }).data.length,
        readUnits: totalUnits(measurement).read,
        requests: measurement.requests,
        batchGets: measurement.byCommand.BatchGetItemCommand ?? 0,
        entriesRead: measurement.scanned,
        bytes: Buffer.byteLength(response.body),
      });
      log(`${size}: ${c.name}: ${rows.at(-1)!.readUnits} read units`);
    }
    return rows;
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName }));
  }
}

function markdown(rows: Row[]): string {
  return [
    '# Lean pages: a 100-row page with and without `fields=`',
    '',
    `DynamoDB Local, ${SHARDS} shards; read units as DynamoDB reports them (eventually consistent reads). BatchGetItem requests include the exact count's reads of the counter shards (one request).`,
    '',
    '| operation | sessions | rows | read units | requests | BatchGetItem | index entries read | response bytes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.operation} | ${r.sessions} | ${r.rows} | ${r.readUnits} | ${r.requests} | ${r.batchGets} | ${r.entriesRead} | ${r.bytes} |`),
    '',
  ].join('\n');
}

await runStandaloneBench('lean', async (db, log) => {
  const meter = new CapacityMeter(db);
  meter.keepCommands = false;
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(...(await benchSize(db, meter, size, log)));
  return { json: { at: new Date().toISOString(), shards: SHARDS, rows }, markdown: markdown(rows) };
});

