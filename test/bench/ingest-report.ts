/** The ingest benchmark's results as JSON types and as Markdown tables. */
import type { ReconcileReport } from '../../functions/reconcile/reconcile.js';
import { SESSION_INDEXES } from '../../functions/sessions/table.js';
import type { Units } from './capacity-meter.js';
import type { Latency } from './operations.js';
import type { ModeledUnits } from './write-cost-model.js';

export type IngestEventResult = {
  name: string;
  source: 'emqx' | 'aws';
  outcome: 'applied' | 'ignored';
  requests: number;
  waves: number;
  byCommand: Record<string, number>;
  table: Units;
  indexes: Record<string, Units>;
  total: Units;
  modeled: ModeledUnits;
  sessionBytes: number;
  topicsBytes: number;
  latency: Latency;
};

export type ReconcileResult = {
  n: number;
  scenario: string;
  report: ReconcileReport;
  expected: { ended: number; added: number; statistics: number };
  /** Whether the run's report matched what the scenario changed. */
  agrees: boolean;
  seconds: number;
  requests: number;
  byCommand: Record<string, number>;
  table: Units;
  indexes: Record<string, Units>;
  total: Units;
  modeledWrite: ModeledUnits;
  per1000: { requests: number; read: number; writeLocal: number; writeModeled: number; seconds: number };
};

export type IngestResults = {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number>;
  parsers: { emqx: string; aws: string };
  events: IngestEventResult[];
  statisticsWith200Topics: { subscriptions_cnt: number; sessionBytes: number; topicsBytes: number; requests: number; byCommand: Record<string, number>; wcu: number };
  reconciliation: ReconcileResult[];
};

const INDEX_NAMES = SESSION_INDEXES.map((i) => i.indexName);
const f = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const units = (value: number | undefined) => (value === undefined ? '0' : Number.isInteger(value) ? String(value) : value.toFixed(1));
const commands = (byCommand: Record<string, number>) =>
  Object.entries(byCommand).map(([c, n]) => `${c.replace('Command', '')}×${n}`).join(', ');

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The section as Markdown; `level` 1 for a document of its own, 2 inside the main report. */
export function renderIngestMarkdown(results: IngestResults, level: 1 | 2): string {
  const h = (depth: number) => '#'.repeat(depth + level - 1);
  const out: string[] = [];
  out.push(`${h(1)} Benchmark: ingest events and reconciliation`, '');
  if (level === 1) {
    out.push(`Run ${results.startedAt} → ${results.finishedAt}.`, '');
    out.push(table(['Environment', ''], Object.entries(results.environment).map(([k, v]) => [k, String(v)])), '');
  }
  out.push(
    `Bodies as the brokers send them, parsed by: EMQX — ${results.parsers.emqx}; AWS IoT — ${results.parsers.aws}. ` +
      'Each event is applied through `SourceWriter.apply` on a table of realistic sessions, on a fresh client prepared ' +
      'beforehand (unmetered). Capacity is what DynamoDB Local reports with `ReturnConsumedCapacity: INDEXES` for the first ' +
      'event; "model" is computed from the items before and after with DynamoDB\'s published rules (DynamoDB Local misreports ' +
      'transactions: see write-cost-model.ts). Latency is the median (p50) and p99 over all events of the kind, in ms on loopback.',
    '',
  );
  out.push(`${h(2)} One ingest event of each kind`, '');
  out.push(
    table(
      ['Event', 'Outcome', 'Requests', 'Round trips', 'RCU', 'WCU table (Local)', ...INDEX_NAMES.map((n) => `WCU ${n} (Local)`), 'WCU table (model)', ...INDEX_NAMES.map((n) => `WCU ${n} (model)`), 'Session / topics item bytes', 'Latency p50 / p99'],
      results.events.map((e) => [
        e.name,
        e.outcome,
        `${e.requests} (${commands(e.byCommand)})`,
        e.waves,
        units(e.total.read),
        units(e.table.write),
        ...INDEX_NAMES.map((n) => units(e.indexes[n]?.write)),
        units(e.modeled.table),
        ...INDEX_NAMES.map((n) => units(e.modeled.indexes[n])),
        `${e.sessionBytes} / ${e.topicsBytes}`,
        `${f(e.latency.p50)} / ${f(e.latency.p99)} (n=${e.latency.n})`,
      ]),
    ),
    '',
  );
  const s = results.statisticsWith200Topics;
  out.push(
    `A statistics update of a session with ${s.subscriptions_cnt} subscribed topics: ${s.requests} request (${commands(s.byCommand)}), ` +
      `${units(s.wcu)} WCU reported. The session item is ${s.sessionBytes} bytes; its topics live in their own item of ${s.topicsBytes} bytes, ` +
      'which the update does not touch.',
    '',
  );
  out.push(`${h(2)} One reconciliation run`, '');
  out.push(
    'Against an in-memory broker view (an EMQX 5 cluster: exact connect times, a list that cannot skip) over the table\'s live ' +
      'sessions; the table was loaded with the session writer\'s items. Runs in order on one table, with the statistics memo a warm ' +
      'reconcile function keeps: (a) the broker agrees, statistics unchanged, first as a cold function (it reads every ' +
      'session to compare statistics), then warm (it reads none); (b) 1% of the statistics changed; (c) 1% of the sessions gone from the broker (ghosts) and 1% ' +
      'connected that the table missed. "Report" is what the run says it did (ended / added / disconnected / statistics), ' +
      '"agrees" whether that is what the scenario changed. WCU "model" prices the changed items by the published rules, ' +
      'state changes as transactions with their shard counter.',
    '',
  );
  out.push(
    table(
      ['N', 'Scenario', 'Listed / in table', 'Report', 'Agrees', 'Requests', 'RCU', 'WCU (Local)', 'WCU (model)', 'Wall s', 'Requests per 1,000', 'RCU per 1,000', 'WCU per 1,000 (Local / model)', 'Wall s per 1,000'],
      results.reconciliation.map((r) => [
        r.n.toLocaleString('en-US'),
        r.scenario,
        `${r.report.listed.toLocaleString('en-US')} / ${r.report.inTable.toLocaleString('en-US')}`,
        `${r.report.ended} / ${r.report.added} / ${r.report.disconnected} / ${r.report.statistics}`,
        r.agrees ? 'yes' : 'NO',
        `${r.requests} (${commands(r.byCommand)})`,
        units(r.total.read),
        units(r.total.write),
        units(r.modeledWrite.table + Object.values(r.modeledWrite.indexes).reduce((a, b) => a + b, 0)),
        f(r.seconds, 2),
        f(r.per1000.requests),
        f(r.per1000.read),
        `${f(r.per1000.writeLocal)} / ${f(r.per1000.writeModeled)}`,
        f(r.per1000.seconds, 3),
      ]),
    ),
    '',
  );
  return out.join('\n');
}
