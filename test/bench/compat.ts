/**
 * What the EMQX 4 compatibility surface costs at its edges:
 * - a 10,000-row `/api/v4/clients` page (EMQX 4's default `_limit`): read
 *   units, requests, time, and the response in bytes raw and gzip-compressed
 *   (a Lambda response holds 6 MB);
 * - a username lookup (`/clients/username/{username}`, `username=`) through
 *   the username index, beside the same lookup walking all sessions, at two
 *   table sizes: the index keeps its cost flat in the table size.
 *
 * `tsx test/bench/compat.ts` starts its own DynamoDB Local and writes
 * bench-results/compat.json and compat.md. BENCH_COMPAT_SIZES sets the table
 * sizes (default 2000,20000).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_RESPONSE_BYTES } from '../../functions/dialects/response-size.js';
import type { HttpResponse } from '../../functions/http/response.js';
import type { LiveSession } from '../../functions/sessions/model.js';
import { createTableInput } from '../../functions/sessions/table.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { bulkLoad, foldEvents } from './bulk-load.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import { planSessions } from './population.js';
import { runStandaloneBench, type BenchLog } from './standalone.js';
import { apiHandlers, type Handler } from '../support/handlers.js';
import { httpEvent } from '../support/http.js';

const SHARDS = 8;
const SIZES = (process.env.BENCH_COMPAT_SIZES ?? '2000,20000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

type Row = { operation: string; sessions: number; rows: number; readUnits: number; requests: number; entriesRead: number; ms: number; note?: string };

async function loadTable(db: DynamoDBDocumentClient, size: number, now: number): Promise<TableRef> {
  const table: TableRef = { tableName: `bench-compat-${size}-${Date.now()}`, shards: SHARDS };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  const records = planSessions(size, now, 11)
    .filter((s) => s.kind === 'connected' || s.kind === 'offline')
    .map((s) => foldEvents(s.events))
    .filter((r): r is LiveSession => r !== undefined);
  await bulkLoad(db, table, records);
  return table;
}

/** `GET <path>?<query>` through the list function, taking gzip as a browser or curl --compressed would. */
async function listed(list: Handler, path: string, query: string): Promise<{ response: HttpResponse; raw: string }> {
  const event = httpEvent({ method: 'GET', routeKey: `GET ${path}`, rawPath: path, rawQueryString: query, headers: { 'accept-encoding': 'gzip' } });
  const response = await list(event);
  if (response.statusCode !== 200) throw new Error(`GET ${path}?${query}: ${response.statusCode} ${response.body}`);
  return { response, raw: response.isBase64Encoded ? gunzipSync(Buffer.from(response.body, 'base64')).toString('utf8') : response.body };
}

const rowsOf = (raw: string) => (JSON.parse(raw) as { data: unknown[] }).data.length;

/** The most common username among the newest sessions. */
async function biggestTenant(list: Handler): Promise<string> {
  const counts = new Map<string, number>();
  const { raw } = await listed(list, '/clients', '_limit=1000');
  for (const { username } of (JSON.parse(raw) as { data: Array<{ username: string | null }> }).data) {
    if (username) counts.set(username, (counts.get(username) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

async function measured(meter: CapacityMeter, operation: string, sessions: number, run: () => Promise<{ rows: number; note?: string }>): Promise<Row> {
  const started = performance.now();
  const { result, measurement } = await meter.measure(run);
  return {
    operation,
    sessions,
    rows: result.rows,
    readUnits: totalUnits(measurement).read,
    requests: measurement.requests,
    entriesRead: measurement.scanned,
    ms: Math.round(performance.now() - started),
    ...(result.note ? { note: result.note } : {}),
  };
}

async function benchSize(db: DynamoDBDocumentClient, meter: CapacityMeter, size: number, log: BenchLog): Promise<Row[]> {
  const now = Date.now();
  log(`loading ${size} sessions`);
  const table = await loadTable(db, size, now);
  const { list } = apiHandlers({ db, table });
  const rows: Row[] = [];

  rows.push(
    await measured(meter, '/api/v4/clients, default _limit (10000)', size, async () => {
      const { response, raw } = await listed(list, '/api/v4/clients', '');
      const rawBytes = Buffer.byteLength(raw);
      const gzipped = response.isBase64Encoded ? Buffer.from(response.body, 'base64').length : gzipSync(raw).length;
      const base64 = Math.ceil(gzipped / 3) * 4;
      return {
        rows: rowsOf(raw),
        note: `${(rawBytes / 1e6).toFixed(2)} MB raw (${rawBytes > MAX_RESPONSE_BYTES ? 'over' : 'within'} the limit), ${(gzipped / 1e6).toFixed(2)} MB gzip, ${(base64 / 1e6).toFixed(2)} MB as sent`,
      };
    }),
  );

  const username = await biggestTenant(list);
  rows.push(
    await measured(meter, `username=${username} (username index)`, size, async () => ({
      rows: rowsOf((await listed(list, '/clients', `username=${encodeURIComponent(username)}&_limit=1000`)).raw),
    })),
  );
  // Nine usernames on eight shards are more partitions than the index walk takes: the plan walks all sessions instead.
  const decoys = Array.from({ length: 8 }, (_, i) => `username=no-such-tenant-${i}`).join('&');
  rows.push(
    await measured(meter, `username=${username} (walk of all sessions)`, size, async () => ({
      rows: rowsOf((await listed(list, '/clients', `username=${encodeURIComponent(username)}&${decoys}&_limit=1000`)).raw),
    })),
  );
  return rows;
}

function markdown(rows: Row[]): string {
  const lines = [
    '# EMQX 4 compatibility: large pages and username lookups',
    '',
    `DynamoDB Local, ${SHARDS} shards; read units as DynamoDB reports them (eventually consistent reads).`,
    '',
    '| operation | sessions | rows | read units | requests | index entries read | ms | response |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.operation} | ${r.sessions} | ${r.rows} | ${r.readUnits} | ${r.requests} | ${r.entriesRead} | ${r.ms} | ${r.note ?? ''} |`),
    '',
  ];
  return lines.join('\n');
}

await runStandaloneBench('compat', async (db, log) => {
  const meter = new CapacityMeter(db);
  meter.keepCommands = false;
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(...(await benchSize(db, meter, size, log)));
  return { json: { at: new Date().toISOString(), shards: SHARDS, rows }, markdown: markdown(rows) };
});

