/**
 * One measured operation: what a single call costs in DynamoDB (from the
 * capacity meter), and its latency over repeated calls, through the handler
 * and as the bare DynamoDB requests it sent, replayed wave by wave.
 */
import { performance } from 'node:perf_hooks';
import type { HttpResponse } from '../../functions/http/response.js';
import { totalUnits, type CapacityMeter, type Measurement, type Units } from './capacity-meter.js';

export type Latency = { n: number; p50: number; p99: number; mean: number };

export type OperationResult = {
  name: string;
  requests: number;
  waves: number;
  scanned: number;
  scannedBy: Record<string, number>;
  byCommand: Record<string, number>;
  table: Units;
  indexes: Record<string, Units>;
  total: Units;
  handler: Latency;
  /** The same DynamoDB requests sent directly; undefined where replaying them is meaningless (writes). */
  raw: Latency | undefined;
  /** handler p50 / raw p50. */
  ratio: number | undefined;
  note?: string;
};

export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  return { n: sorted.length, p50: at(50), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(sorted.length, 1) };
}

export type Budget = { iterations: number; timeMs: number; minIterations?: number };

/** Calls `run(i)` up to `budget.iterations` times or until the time is spent (at least `minIterations`). */
export async function timed(budget: Budget, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const started = performance.now();
  const min = budget.minIterations ?? 5;
  for (let i = 0; i < budget.iterations; i++) {
    if (i >= min && performance.now() - started > budget.timeMs) break;
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

function summarize(name: string, m: Measurement): Omit<OperationResult, 'handler' | 'raw' | 'ratio'> {
  return { name, requests: m.requests, waves: m.waves, scanned: m.scanned, scannedBy: m.scannedBy, byCommand: m.byCommand, table: m.table, indexes: m.indexes, total: totalUnits(m) };
}

/**
 * A handler call: measured once (call 0), then timed through the handler
 * (calls 1..), then the DynamoDB requests of call 0 replayed and timed.
 */
export async function measureHandler(
  meter: CapacityMeter,
  name: string,
  call: (i: number) => Promise<HttpResponse>,
  budget: Budget,
  options: { expectStatus?: number[]; replay?: boolean; warmup?: number } = {},
): Promise<OperationResult> {
  const expectStatus = options.expectStatus ?? [200];
  const check = (response: HttpResponse) => {
    if (!expectStatus.includes(response.statusCode)) throw new Error(`${name}: status ${response.statusCode} ${response.body.slice(0, 300)}`);
    return response;
  };
  const { measurement } = await meter.measure(async () => check(await call(0)));
  let next = 1;
  for (let w = 0; w < (options.warmup ?? 2); w++) check(await call(next++));
  const handlerSamples = await timed(budget, async () => check(await call(next++)));
  let raw: Latency | undefined;
  if (options.replay !== false) {
    await meter.replay(measurement.commands);
    raw = latency(await timed(budget, () => meter.replay(measurement.commands)));
  }
  const handler = latency(handlerSamples);
  return { ...summarize(name, measurement), handler, raw, ratio: raw ? handler.p50 / raw.p50 : undefined };
}

/** A non-HTTP operation (a write through SessionWriter): measured once, then timed. */
export async function measureCall(meter: CapacityMeter, name: string, call: (i: number) => Promise<unknown>, budget: Budget): Promise<OperationResult> {
  const { measurement } = await meter.measure(() => call(0));
  let next = 1;
  const samples = await timed(budget, () => call(next++));
  return { ...summarize(name, measurement), handler: latency(samples), raw: undefined, ratio: undefined };
}
