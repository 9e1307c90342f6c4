/**
 * The cost bench's results as tables: per event kind, per delivery path, per
 * fleet size a month, and the README's "Capacity and cost" tables, generated
 * here so that a run refreshes them.
 */
import { costPerMillion, monthlyCost, type Assumptions, type CostBreakdown, type DeliveryPath, type MeasuredEvent } from './cost-model.js';
import { PRICES, PRICES_DATE, PRICES_REGION, TARGETS, type Prices } from './prices.js';
import { expectedBatchFill } from '../../infra/aws/brokers/aws-iot-http.js';

export type CostInputs = {
  events: Array<MeasuredEvent & { meteredUnits: { read: number; write: number }; requests: number; logLines: number }>;
  batch: { size: number; waves: number; requests: number; logBytes: number; logLines: number };
  storageBytesPerSession: number;
  /** $ of one reconciliation run per 1,000 sessions when nothing changed, and where the figure comes from. */
  reconcile: { dollarsPer1000: number; readUnitsPer1000: number; secondsPer1000: number; source: string } | undefined;
  reconcileEveryMinutes: number;
  assumptions: Assumptions;
  paths: DeliveryPath[];
};

export type PathCost = { path: DeliveryPath; byKind: Record<string, CostBreakdown>; mean: CostBreakdown };

const money = (x: number) => (x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`);
const mark = (ok: boolean) => (ok ? '✓' : '✗');

export function pathCosts(inputs: CostInputs, prices: Prices = PRICES): PathCost[] {
  return inputs.paths.map((path) => {
    const events = inputs.events.filter((e) => e.source === path.source);
    const byKind = Object.fromEntries(events.map((e) => [e.kind, costPerMillion(e, path, prices, inputs.assumptions)]));
    const keys = Object.keys(Object.values(byKind)[0]!) as Array<keyof CostBreakdown>;
    const mean = Object.fromEntries(keys.map((k) => [k, events.reduce((sum, e) => sum + byKind[e.kind]![k], 0) / events.length])) as CostBreakdown;
    return { path, byKind, mean };
  });
}

function eventTable(inputs: CostInputs): string[] {
  return [
    `| source | event | write units (billed) | ≤ ${TARGETS.writeUnitsPerStateChange} | read units | DynamoDB requests | round trips | log bytes | stream records | counters written by the event |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...inputs.events.map(
      (e) =>
        `| ${e.source === 'emqx' ? 'EMQX 5' : 'AWS IoT'} | ${e.kind} | ${e.writeUnits} (DynamoDB Local reports ${e.meteredUnits.write}) | ${mark(e.writeUnits <= TARGETS.writeUnitsPerStateChange)} | ${e.readUnits} | ${e.requests} | ${e.waves} | ${e.logBytes} | ${e.streamRecords} | ${e.writesCounters ? 'yes' : 'no'} |`,
    ),
  ];
}

function pathTable(costs: PathCost[]): string[] {
  const kinds = Object.keys(costs[0]!.byKind);
  return [
    `| path | events per invocation | ${kinds.join(' | ')} | mean | ≤ $${TARGETS.dollarsPerMillionEvents} | ≤ $${TARGETS.aimDollarsPerMillionEvents} |`,
    `| --- | --- | ${kinds.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...costs.map(
      (c) =>
        `| ${c.path.name} | ${c.path.batchSize} | ${kinds.map((k) => money(c.byKind[k]!.total)).join(' | ')} | **${money(c.mean.total)}** | ${mark(c.mean.total <= TARGETS.dollarsPerMillionEvents)} | ${mark(c.mean.total <= TARGETS.aimDollarsPerMillionEvents)} |`,
    ),
  ];
}

function breakdownTable(costs: PathCost[]): string[] {
  const parts: Array<[keyof CostBreakdown, string]> = [
    ['dynamoWrites', 'DynamoDB writes'],
    ['dynamoReads', 'DynamoDB reads'],
    ['lambdaRequests', 'Lambda requests'],
    ['lambdaDuration', 'Lambda duration'],
    ['front', 'API Gateway / IoT rules / SQS'],
    ['logs', 'CloudWatch Logs'],
    ['aggregator', 'counter aggregator'],
  ];
  return [
    `| path (batch) | ${parts.map(([, label]) => label).join(' | ')} | total |`,
    `| --- | ${parts.map(() => '---').join(' | ')} | --- |`,
    ...costs.map((c) => `| ${c.path.name} (${c.path.batchSize}) | ${parts.map(([k]) => money(c.mean[k])).join(' | ')} | ${money(c.mean.total)} |`),
  ];
}

export const FLEETS = [10_000, 100_000, 1_000_000, 10_000_000];
export const RECONNECT_RATES: Array<{ label: string; perDay: number }> = [
  { label: '1 reconnect a day', perDay: 1 },
  { label: '1 reconnect an hour', perDay: 24 },
];

/** Monthly cost per fleet size on the cheapest EMQX path and the cheapest AWS IoT path, beside fleet indexing. */
export function monthlyTable(inputs: CostInputs, costs: PathCost[], prices: Prices = PRICES): string[] {
  // EMQX sends one event a request (its HTTP action does not batch); AWS IoT's default delivery batches as many as its window gathers.
  const emqx = costs.filter((c) => c.path.source === 'emqx' && c.path.batchSize === 1).sort((a, b) => a.mean.total - b.mean.total)[0]!;
  const unique = [emqx, costs.find((c) => c.path.source === 'emqx' && c.path.front === 'http-api' && c.path.batchSize === 1)!].filter((c, i, all) => all.indexOf(c) === i);
  const awsHttp = costs.filter((c) => c.path.front === 'iot-rule-http-batch').sort((a, b) => b.path.batchSize - a.path.batchSize)[0]!.path;
  /** The AWS IoT default at the batch its fleet's event rate fills (expectedBatchFill). */
  const awsAt = (devices: number, perDay: number) =>
    pathCosts({ ...inputs, paths: [{ ...awsHttp, batchSize: expectedBatchFill((devices * perDay * 2) / 86_400) }] }, prices)[0]!;
  const rows: string[] = [
    `| devices | reconnects | events a month | ${unique.map((c) => c.path.name).join(' | ')} | AWS IoT → rule → HTTP batch → function URL (events a batch) | AWS IoT fleet indexing (updates only) |`,
    `| --- | --- | --- | ${unique.map(() => '---').join(' | ')} | --- | --- |`,
  ];
  for (const rate of RECONNECT_RATES) {
    for (const devices of FLEETS) {
      const aws = awsAt(devices, rate.perDay);
      const cells = [...unique, aws].map((c) => {
        const m = monthlyCost(
          {
            devices,
            reconnectsPerDay: rate.perDay,
            dollarsPerMillionEvents: c.mean.total,
            storageBytesPerSession: inputs.storageBytesPerSession,
            reconcileDollarsPer1000: c.path.source === 'emqx' ? inputs.reconcile?.dollarsPer1000 ?? 0 : 0,
            reconcileEveryMinutes: inputs.reconcileEveryMinutes,
          },
          prices,
        );
        return { m, text: c === aws ? `${money(m.total)} (${aws.path.batchSize.toFixed(1)})` : money(m.total) };
      });
      rows.push(`| ${devices.toLocaleString('en-US')} | ${rate.label} | ${(cells[0]!.m.events / 1e6).toLocaleString('en-US')}M | ${cells.map((c) => c.text).join(' | ')} | ${money(cells[0]!.m.fleetIndexing)} |`);
    }
  }
  return rows;
}

function assumptionLines(inputs: CostInputs, aggregatorInCode: boolean): string[] {
  const a = inputs.assumptions;
  return [
    `- Lambda: ${a.lambdaMemoryGb * 1024} MB arm64; billed duration modeled as ${a.invocationOverheadMs} ms + ${a.roundTripMs} ms per DynamoDB round trip (measured round trips; DynamoDB Local's latency is not AWS's), a batch storing ${a.batchConcurrency} clients at once.`,
    `- API Gateway: one access-log line of ~${a.accessLogLineBytes} bytes per request (the stage's JSON format); CloudWatch Logs counts ${a.logEventOverheadBytes} bytes more per log event.`,
    `- SQS: one SendMessage per event (the rule's action) and ${a.sqsPollRequestsPerMessage} poll requests per message (receive and delete, 10 messages each).`,
    `- AWS IoT HTTP batch: the rule triggered once per event, the batched action metered once per started 5 KiB of the JSON array it posts (AWS IoT event bodies with their topic, as measured: ${inputs.events
      .filter((e) => e.source === 'aws')
      .map((e) => `${e.kind} ${e.bodyBytes} bytes`)
      .join(', ')}); no charge for the function URL; one Lambda request per batch.`,
    aggregatorInCode
      ? `- Counter aggregator (in the code: events write no counter): per ${a.aggregatorRecordsPerBatch} stream records one UpdateItem (1 write unit) and one invocation of ${a.aggregatorInvocationMs} ms; stream reads are free for Lambda.`
      : `- Counter aggregator: **not in this code yet** — events still write their shard counter in their transaction (priced above in DynamoDB writes). Once it lands it is priced per ${a.aggregatorRecordsPerBatch} stream records as one UpdateItem (1 write unit) and one invocation of ${a.aggregatorInvocationMs} ms.`,
    `- Write units are priced from the items before and after each event (write-cost-model.ts), as DynamoDB Local misreports transactions; read units are as reported.`,
  ];
}

export function renderCostMarkdown(inputs: CostInputs, costs: PathCost[]): string {
  const aggregatorInCode = inputs.events.every((e) => !e.writesCounters);
  const r = inputs.reconcile;
  return [
    `# Cost per event (prices ${PRICES_REGION}, ${PRICES_DATE})`,
    '',
    '## What one event costs (real handlers, DynamoDB Local, default log level)',
    '',
    ...eventTable(inputs),
    '',
    `A request of ${inputs.batch.size} EMQX 5 connects: ${inputs.batch.requests} DynamoDB requests, ${inputs.batch.logLines} log lines (${inputs.batch.logBytes} bytes).`,
    '',
    '## $ per million events, all in',
    '',
    ...pathTable(costs),
    '',
    '### Where the mean goes ($ per million events)',
    '',
    ...breakdownTable(costs),
    '',
    '## Reconciliation (EMQX), nothing changed',
    '',
    r
      ? `${r.readUnitsPer1000.toFixed(1)} read units and ${r.secondsPer1000.toFixed(2)} s per 1,000 sessions per run (${r.source}): ${money(r.dollarsPer1000 * 1e6)} per million session-runs; a full run every ${inputs.reconcileEveryMinutes} min (the statistics runs between walk nothing: bench-results/statistics-upkeep.md) is ${money(r.dollarsPer1000 * (30 * 24 * 60) / inputs.reconcileEveryMinutes)} per 1,000 sessions a month.`
      : 'Not measured: run `npm run bench:ingest` first (bench-results/ingest.json).',
    '',
    '## A month, all in (ingest, storage, reconciliation)',
    '',
    ...monthlyTable(inputs, costs),
    '',
    `Storage: ${inputs.storageBytesPerSession} bytes per connected session with its index entries. Fleet indexing: $${TARGETS.fleetIndexingPerMillion.toFixed(2)} per million index updates, one per state change, queries extra.`,
    '',
    '## Assumptions',
    '',
    ...assumptionLines(inputs, aggregatorInCode),
    '',
  ].join('\n');
}

/** The tables of the README's "Capacity and cost" section, as this run measured them. */
export function renderReadmeTables(inputs: CostInputs, costs: PathCost[]): string {
  return [
    `Per event (\`npm run bench:cost\`, real handlers on DynamoDB Local, default log level):`,
    '',
    ...eventTable(inputs),
    '',
    `$ per million events, all in (prices ${PRICES_REGION}, ${PRICES_DATE}):`,
    '',
    ...pathTable(costs),
    '',
    'A month, all in (ingest, storage, a full reconciliation run every ' + inputs.reconcileEveryMinutes + ' min for EMQX), beside AWS IoT fleet indexing\'s index updates:',
    '',
    ...monthlyTable(inputs, costs),
    '',
  ].join('\n');
}
