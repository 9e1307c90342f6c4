/** The benchmark's results as JSON and as Markdown tables. */
import { SESSION_INDEXES } from '../../functions/sessions/table.js';
import type { Units } from './capacity-meter.js';
import { renderBundlesMarkdown, type BundlesReport } from './bundles.js';
import { renderIngestMarkdown, type IngestResults } from './ingest-report.js';
import type { Latency, OperationResult } from './operations.js';
import type { ModeledUnits } from './write-cost-model.js';

export type LoadResult = {
  sessions: number;
  visible: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  requests: number;
  failedRequests: number;
  byCommand: Record<string, number>;
  table: Units;
  indexes: Record<string, Units>;
};

export type WriteResult = OperationResult & { modeled: ModeledUnits; itemBytes: number };

/** Bytes per session as DynamoDB bills storage: item or index entry size plus 100 bytes of overhead each. */
export type StorageEstimate = { sampledItems: number; tablePerSession: number; indexesPerSession: Record<string, number>; totalPerSession: number };

export type SizeResult = {
  n: number;
  storage: StorageEstimate;
  shards: number;
  load: LoadResult;
  reads: OperationResult[];
  writes: WriteResult[];
  fullScan: { requests: number; rcu: number; items: number };
  /** The table's items as DynamoDB Local describes them. */
  tableBytes: number | undefined;
};

export type BenchResults = {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number>;
  sizes: SizeResult[];
  bundles: BundlesReport | undefined;
  /** Ingest events and reconciliation (ingest.ts); absent with BENCH_INGEST=0. */
  ingest?: IngestResults;
};

const INDEX_NAMES = SESSION_INDEXES.map((i) => i.indexName);
const f = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const units = (value: number | undefined) => (value === undefined ? '0' : Number.isInteger(value) ? String(value) : value.toFixed(1));
const lat = (l: Latency | undefined) => (l ? `${f(l.p50)} / ${f(l.p99)} (n=${l.n})` : '–');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const entries = (op: OperationResult) =>
  Object.entries(op.scannedBy).length === 0 ? '0' : Object.entries(op.scannedBy).map(([where, n]) => `${where} ${n}`).join(', ');
/** Entries an index walk read (the ordered indexes), leaving out the expiry count. */
const walked = (op: OperationResult | undefined) =>
  op === undefined ? '–' : String(INDEX_NAMES.filter((n) => n !== 'by-expiry').reduce((sum, n) => sum + (op.scannedBy[n] ?? 0), 0));

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function readRows(ops: OperationResult[]) {
  return ops.map((op) => [
    op.name,
    op.requests,
    op.waves,
    entries(op),
    units(op.table.read),
    ...INDEX_NAMES.map((name) => units(op.indexes[name]?.read)),
    units(op.total.read),
    lat(op.handler),
    lat(op.raw),
    f(op.ratio, 2),
  ]);
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  out.push('# Benchmark: cost and speed of the clients API on DynamoDB Local', '');
  out.push(`Run ${results.startedAt} → ${results.finishedAt}.`, '');
  out.push(table(['Environment', ''], Object.entries(results.environment).map(([k, v]) => [k, String(v)])), '');
  out.push(
    'Capacity units are what DynamoDB Local reports with `ReturnConsumedCapacity: INDEXES` on every request. ' +
      'For the write path they are also computed from the items with DynamoDB\'s published rules ("model"), because ' +
      'DynamoDB Local misreports transactions. Latencies are milliseconds on loopback against DynamoDB Local (a JVM ' +
      'on the same two cores), so they compare operations with each other, not with DynamoDB in a region. ' +
      '"Waves" are groups of requests in flight together: the round trips on the critical path. ' +
      '"Entries read" is the ScannedCount of the Query requests by index (entries read before filters); by-expiry entries are ' +
        'the exact count of expired sessions the sweep has not ended yet, which unfiltered lists read.',
    '',
  );
  for (const size of results.sizes) {
    out.push(`## N = ${size.n.toLocaleString('en-US')} sessions (${size.shards} shards)`, '');
    const l = size.load;
    out.push(
      `Loaded ${l.sessions.toLocaleString('en-US')} sessions (${l.visible.toLocaleString('en-US')} visible) from ${l.events.toLocaleString('en-US')} broker events through SessionWriter in ` +
        `${f(l.seconds)} s (${f(l.eventsPerSecond, 0)} events/s): ${l.requests.toLocaleString('en-US')} requests ` +
        `(${Object.entries(l.byCommand).map(([c, n]) => `${c.replace('Command', '')} ${n}`).join(', ')}), ` +
        `${l.failedRequests} failed (conditional-check retries), ` +
        `WCU reported: table ${units(l.table.write)}, ${INDEX_NAMES.map((n) => `${n} ${units(l.indexes[n]?.write)}`).join(', ')}. ` +
        (size.tableBytes !== undefined ? `Table size ${kb(size.tableBytes)} (${f(size.tableBytes / l.sessions, 0)} bytes per session).` : ''),
      '',
    );
    out.push('### Reads (one request of each; latency p50 / p99 ms)', '');
    out.push(table(['Operation', 'Requests', 'Waves', 'Entries read', 'RCU table', ...INDEX_NAMES.map((n) => `RCU ${n}`), 'RCU total', 'Handler p50 / p99', 'Raw DynamoDB p50 / p99', 'Handler ÷ raw (p50)'], readRows(size.reads)), '');
    out.push(`Full table Scan (for comparison only): ${size.fullScan.requests} requests, ${units(size.fullScan.rcu)} RCU, ${size.fullScan.items.toLocaleString('en-US')} items.`, '');
    const st = size.storage;
    out.push(
      `Storage, from ${st.sampledItems.toLocaleString('en-US')} sampled items (item or entry size plus 100 bytes overhead, as billed): ` +
        `${f(st.totalPerSession, 0)} bytes per session — table ${f(st.tablePerSession, 0)}, ` +
        `${Object.entries(st.indexesPerSession).map(([n, b]) => `${n} ${f(b, 0)}`).join(', ')}.`,
      '',
    );
    out.push('### Writes (one broker event each)', '');
    out.push(
      table(
        ['Event', 'Requests', 'Item bytes', 'RCU (Local)', 'WCU table (Local)', ...INDEX_NAMES.map((n) => `WCU ${n} (Local)`), 'WCU table (model)', ...INDEX_NAMES.map((n) => `WCU ${n} (model)`), 'Latency p50 / p99'],
        size.writes.map((w) => [
          w.name,
          `${w.requests} (${Object.entries(w.byCommand).map(([c, n]) => `${c.replace('Command', '')}×${n}`).join(', ')})`,
          w.itemBytes,
          units(w.total.read),
          units(w.table.write),
          ...INDEX_NAMES.map((n) => units(w.indexes[n]?.write)),
          units(w.modeled.table),
          ...INDEX_NAMES.map((n) => units(w.modeled.indexes[n])),
          lat(w.handler),
        ]),
      ),
      '',
    );
  }
  if (results.sizes.length > 1) {
    out.push('## Read capacity against N', '');
    const names = results.sizes[0]!.reads.map((r) => r.name);
    out.push(
      table(
        ['Operation', ...results.sizes.map((s) => `RCU at N=${s.n.toLocaleString('en-US')}`), ...results.sizes.map((s) => `index entries walked at N=${s.n.toLocaleString('en-US')}`)],
        names.map((name) => [
          name,
          ...results.sizes.map((s) => units(s.reads.find((r) => r.name === name)?.total.read)),
          ...results.sizes.map((s) => walked(s.reads.find((r) => r.name === name))),
        ]),
      ),
      '',
    );
  }
  if (results.bundles) out.push('## Cold start', '', renderBundlesMarkdown(results.bundles), '');
  if (results.ingest) out.push(renderIngestMarkdown(results.ingest, 2), '');
  return out.join('\n');
}
