/**
 * Bounded answer time at scale: lists whose filter has no index key (a rare
 * substring) walk the narrow index; with the time budget each request stops
 * within it and hands back a cursor. At one table size (default 100,000
 * sessions) this measures, for the rare substring and for a small tenant
 * (`username=`, served by the username index):
 * - the whole walk without a budget: time, read units, entries walked;
 * - the same list paged with the budget: pages, each page's walk time against
 *   the budget (the overshoot must stay within one DynamoDB round trip),
 *   read units in all;
 * and projects both to 1M and 10M sessions from the measured per-entry cost.
 *
 * `npm run bench:budget` starts its own DynamoDB Local and writes
 * bench-results/budget.json and budget.md. BENCH_BUDGET_SIZE sets the size,
 * BENCH_BUDGET_MS the budget (default 3000, the functions' default).
 */
import { performance } from 'node:perf_hooks';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { listHandler } from '../../functions/api/list-handler.js';
import type { ListMeta } from '../../functions/clients/list-clients.js';
import type { InvocationContext } from '../../functions/http/handler.js';
import type { LiveSession } from '../../functions/sessions/model.js';
import { SessionStore } from '../../functions/sessions/store.js';
import { createTableInput } from '../../functions/sessions/table.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { bulkLoad, foldEvents } from './bulk-load.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import { planSessions } from './population.js';
import { runStandaloneBench } from './standalone.js';
import { quietObservability, type Handler } from '../support/handlers.js';
import { listEvent } from '../support/http.js';

const SHARDS = 8;
const SIZE = Number(process.env.BENCH_BUDGET_SIZE ?? 100_000);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 3_000);
const SECRET = 'bench-budget-cursor-secret-0123456789';
const PAGE_ROWS = 100;

type Walk = { ms: number; readUnits: number; entries: number; requests: number; rows: number };
type Paged = Walk & { pages: number; maxWalkMs: number; maxRoundTripMs: number; overshootMs: number };
/** `indexed`: an index key serves the filter, so its cost follows the matches, not the table. */
type Case = { name: string; query: string; indexed: boolean; unbudgeted: Walk; budgeted: Paged };

/** Times every request, so a page's walk can be compared with the longest single round trip. */
function roundTripTimer(db: DynamoDBDocumentClient): { longest(): number; reset(): void } {
  let longest = 0;
  db.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        longest = Math.max(longest, performance.now() - started);
      }
    }) as never,
    { step: 'finalizeRequest', name: 'benchRoundTripTimer' } as never,
  );
  return { longest: () => longest, reset: () => (longest = 0) };
}

/** A list function and the invocation context it is called with. */
type Lister = { list: Handler; context?: InvocationContext; budgeted: boolean };

async function walkAll(meter: CapacityMeter, lister: Lister, query: string, rt: ReturnType<typeof roundTripTimer>): Promise<Paged> {
  let cursor: string | undefined;
  const total: Paged = { ms: 0, readUnits: 0, entries: 0, requests: 0, rows: 0, pages: 0, maxWalkMs: 0, maxRoundTripMs: 0, overshootMs: 0 };
  do {
    rt.reset();
    const started = performance.now();
    const event = listEvent(`${query}&_limit=${PAGE_ROWS}${cursor ? `&_cursor=${cursor}` : ''}`);
    const { result: response, measurement } = await meter.measure(() => lister.list(event, lister.context));
    if (response.statusCode !== 200) throw new Error(`GET /clients?${event.rawQueryString}: ${response.statusCode} ${response.body}`);
    const result = JSON.parse(response.body) as { data: unknown[]; meta: ListMeta };
    const ms = performance.now() - started;
    total.ms += ms;
    total.readUnits += totalUnits(measurement).read;
    total.entries += measurement.scanned;
    total.requests += measurement.requests;
    total.rows += result.data.length;
    total.pages++;
    total.maxWalkMs = Math.max(total.maxWalkMs, ms);
    total.maxRoundTripMs = Math.max(total.maxRoundTripMs, rt.longest());
    if (lister.budgeted) total.overshootMs = Math.max(total.overshootMs, ms - BUDGET_MS);
    cursor = result.meta.cursor;
  } while (cursor);
  return total;
}

function project(c: Case, size: number) {
  const perEntryMs = c.unbudgeted.ms / Math.max(c.unbudgeted.entries, 1);
  const perEntryRu = c.unbudgeted.readUnits / Math.max(c.unbudgeted.entries, 1);
  const scale = (n: number) => {
    // A walk of all sessions grows with the table; an index walk reads the same entries for the same matches.
    const entries = c.indexed ? c.unbudgeted.entries : (c.unbudgeted.entries * n) / size;
    const ms = entries * perEntryMs;
    return { sessions: n, entries: Math.round(entries), readUnits: Math.round(entries * perEntryRu), seconds: +(ms / 1000).toFixed(1), budgetedRequests: Math.max(1, Math.ceil(ms / BUDGET_MS), Math.ceil(c.unbudgeted.rows / PAGE_ROWS)) };
  };
  return [scale(size), scale(1_000_000), scale(10_000_000)];
}

function markdown(size: number, cases: Case[]): string {
  const lines = [
    '# Bounded answer time: lists at scale with the time budget',
    '',
    `DynamoDB Local on this machine, ${SHARDS} shards, ${size} sessions, budget ${BUDGET_MS} ms, pages of 100. Read units as DynamoDB reports them.`,
    '',
    '| list | budget | requests to the API | rows | index entries walked | read units | walk time in all | longest request | longest DynamoDB round trip | over the budget at most |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cases) {
    for (const [label, w] of [['none', c.unbudgeted as Paged], [`${BUDGET_MS} ms`, c.budgeted]] as const) {
      lines.push(
        `| \`${c.query}\` | ${label} | ${w.pages} | ${w.rows} | ${w.entries} | ${w.readUnits.toFixed(1)} | ${(w.ms / 1000).toFixed(1)} s | ${(w.maxWalkMs / 1000).toFixed(2)} s | ${(w.maxRoundTripMs / 1000).toFixed(2)} s | ${label === 'none' ? '—' : `${Math.max(w.overshootMs, 0).toFixed(0)} ms`} |`,
      );
    }
  }
  lines.push('', 'Projected from the measured cost per index entry (time on DynamoDB Local; DynamoDB in a region reads faster per entry). The substring walk grows with the table; the tenant\'s list reads the same entries at any size (the same tenant):', '');
  lines.push('| list | sessions | index entries walked | read units | walk time without budget | requests with the budget |', '|---|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    for (const p of project(c, size)) lines.push(`| \`${c.query}\` | ${p.sessions} | ${p.entries} | ${p.readUnits} | ${p.seconds} s | ${p.budgetedRequests} |`);
  }
  lines.push('');
  return lines.join('\n');
}

await runStandaloneBench('budget', async (db, log) => {
  const now = Date.now();
  const table: TableRef = { tableName: `bench-budget-${now}`, shards: SHARDS };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  log(`loading ${SIZE} sessions`);
  const records = planSessions(SIZE, now, 5)
    .filter((s) => s.kind === 'connected' || s.kind === 'offline')
    .map((s) => foldEvents(s.events))
    .filter((r): r is LiveSession => r !== undefined);
  await bulkLoad(db, table, records);
  const meter = new CapacityMeter(db);
  meter.keepCommands = false;
  const rt = roundTripTimer(db);
  const store = new SessionStore(db, table);
  const deps = { ...quietObservability(), store, cursorSecret: SECRET };
  // Without a budget: no walk limit, and an invocation with an hour left, so that no deadline cuts the walk either.
  const unlimited: Lister = { list: listHandler({ ...deps, listBudgetMs: Number.POSITIVE_INFINITY }), context: { getRemainingTimeInMillis: () => 3_600_000 }, budgeted: false };
  // With it: as the function runs, within its own time limit.
  const limited: Lister = { list: listHandler({ ...deps, listBudgetMs: BUDGET_MS }), budgeted: true };

  // A substring of one clientid only, and the username with the fewest sessions.
  const rare = records[Math.floor(records.length / 2)]!.clientid.slice(-9);
  const counts = new Map<string, number>();
  for (const r of records) if (r.username) counts.set(r.username, (counts.get(r.username) ?? 0) + 1);
  const [smallTenant] = [...counts].sort((a, b) => a[1] - b[1])[0]!;
  const cases: Case[] = [];
  for (const [name, query, indexed] of [
    ['rare substring', `_like_clientid=${encodeURIComponent(rare)}`, false],
    ['small tenant', `username=${encodeURIComponent(smallTenant)}`, true],
  ] as const) {
    log(`${name}: ${query}`);
    const unbudgeted = await walkAll(meter, unlimited, query, rt);
    const budgeted = await walkAll(meter, limited, query, rt);
    if (budgeted.rows !== unbudgeted.rows) throw new Error(`${name}: ${budgeted.rows} rows with the budget, ${unbudgeted.rows} without`);
    cases.push({ name, query, indexed, unbudgeted, budgeted });
  }
  return {
    json: { at: new Date().toISOString(), size: SIZE, budgetMs: BUDGET_MS, shards: SHARDS, cases, projections: cases.map((c) => ({ query: c.query, rows: project(c, SIZE) })) },
    markdown: markdown(SIZE, cases),
  };
});

