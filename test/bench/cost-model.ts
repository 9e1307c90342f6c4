/**
 * Dollars per million events from what one event was measured to cost
 * (request units, round trips, log bytes) and the prices: the arithmetic
 * only, so that it can be tested on its own. What cannot be measured on
 * DynamoDB Local (Lambda's billed duration, an API Gateway access-log line,
 * the counter aggregator when it is not in the code) is modeled from the
 * assumptions below, which the report prints.
 */
import type { Prices } from './prices.js';

/** One ingest event as the bench measured it. */
export type MeasuredEvent = {
  kind: string;
  source: 'emqx' | 'aws';
  /** Billed write units (the pricing rules of write-cost-model.ts), table and indexes. */
  writeUnits: number;
  /** Read units as DynamoDB Local reported them. */
  readUnits: number;
  /** Round trips to DynamoDB on the event's critical path. */
  waves: number;
  /** Bytes the handler wrote to stdout and stderr at the default log level, per event. */
  logBytes: number;
  /** Items the event changed other than counters: the stream records it makes. */
  streamRecords: number;
  /** Whether the event itself wrote a counter item (no aggregator yet). */
  writesCounters: boolean;
  /** Bytes of the event as its source sends it (for AWS IoT, the rule's output with its `topic`). */
  bodyBytes: number;
};

export type Front = 'http-api' | 'function-url' | 'iot-rule-lambda' | 'iot-rule-sqs' | 'iot-rule-http-batch';

export type DeliveryPath = {
  name: string;
  source: 'emqx' | 'aws';
  front: Front;
  /** Events per Lambda invocation (at most, when `maxBatchBytes` closes a batch first). */
  batchSize: number;
  /** A batch closes before the event that would take it past this many bytes (AWS IoT's `maxBatchSizeBytes`). */
  maxBatchBytes?: number;
};

/** AWS IoT meters a batched HTTP action per started 5 KiB of the payload it sends. */
export const IOT_HTTP_METERED_BYTES = 5 * 1024;

/** Bytes of a JSON array of `n` events of `bodyBytes` each: the brackets and the commas. */
const arrayBytes = (n: number, bodyBytes: number) => n * bodyBytes + n + 1;

/** Events of `bodyBytes` each that one invocation takes on `path`. */
export function eventsPerInvocation(path: DeliveryPath, bodyBytes: number): number {
  if (path.maxBatchBytes === undefined) return path.batchSize;
  const fit = Math.floor((path.maxBatchBytes - 1) / (bodyBytes + 1));
  return Math.max(1, Math.min(path.batchSize, fit));
}

/** Metered actions of one batched HTTP request of `n` events of `bodyBytes` each. */
export const httpBatchActions = (n: number, bodyBytes: number) => Math.ceil(arrayBytes(n, bodyBytes) / IOT_HTTP_METERED_BYTES);

export type Assumptions = {
  lambdaMemoryGb: number;
  /** One DynamoDB round trip from Lambda in the same region. */
  roundTripMs: number;
  /** Billed time of an invocation beyond its DynamoDB round trips. */
  invocationOverheadMs: number;
  /** Clients of one batch stored at once (apply-batch.ts). */
  batchConcurrency: number;
  /** An API Gateway access-log line (the stage's JSON format), bytes. */
  accessLogLineBytes: number;
  /** CloudWatch Logs bills each log event's bytes plus this. */
  logEventOverheadBytes: number;
  /** Stream records per aggregator invocation (one UpdateItem each). */
  aggregatorRecordsPerBatch: number;
  /** Billed time of one aggregator invocation. */
  aggregatorInvocationMs: number;
  /** SQS requests per message beyond its SendMessage: the poller's receive and delete, 10 messages each. */
  sqsPollRequestsPerMessage: number;
};

export type CostBreakdown = {
  dynamoWrites: number;
  dynamoReads: number;
  lambdaRequests: number;
  lambdaDuration: number;
  front: number;
  logs: number;
  aggregator: number;
  total: number;
};

const MILLION = 1e6;

/** Billed milliseconds of one invocation storing `batchSize` events of `waves` round trips each. */
export function invocationMs(batchSize: number, waves: number, a: Assumptions): number {
  return Math.ceil(a.invocationOverheadMs + Math.ceil(batchSize / a.batchConcurrency) * waves * a.roundTripMs);
}

/** The counter aggregator's share of one event: 1 UpdateItem and 1 invocation per batch of stream records. */
export function aggregatorShare(streamRecords: number, prices: Prices, a: Assumptions): number {
  const perBatch = prices.dynamoWriteUnit + prices.lambdaRequest + (a.aggregatorInvocationMs / 1000) * a.lambdaMemoryGb * prices.lambdaGbSecond;
  return (streamRecords / a.aggregatorRecordsPerBatch) * perBatch;
}

/** The front door's charge per event: API Gateway, IoT rules, SQS. */
export function frontShare(path: DeliveryPath, prices: Prices, a: Assumptions, bodyBytes: number): number {
  switch (path.front) {
    case 'http-api':
      return prices.httpApiRequest / path.batchSize;
    case 'function-url':
      return prices.functionUrlRequest / path.batchSize;
    case 'iot-rule-lambda':
      return prices.iotRuleTriggered + prices.iotRuleAction;
    case 'iot-rule-sqs':
      return prices.iotRuleTriggered + prices.iotRuleAction + prices.sqsRequest * (1 + a.sqsPollRequestsPerMessage);
    case 'iot-rule-http-batch': {
      // Every event triggers its rule; the batch is one action per started 5 KiB.
      const n = eventsPerInvocation(path, bodyBytes);
      return prices.iotRuleTriggered + (prices.iotRuleAction * httpBatchActions(n, bodyBytes)) / n;
    }
  }
}

/** Dollars per million events of this kind on this path, item by item. */
export function costPerMillion(event: MeasuredEvent, path: DeliveryPath, prices: Prices, a: Assumptions): CostBreakdown {
  const batch = eventsPerInvocation(path, event.bodyBytes);
  const seconds = invocationMs(batch, event.waves, a) / 1000;
  const accessLog = path.front === 'http-api' ? (a.accessLogLineBytes + a.logEventOverheadBytes) / batch : 0;
  const perEvent = {
    dynamoWrites: event.writeUnits * prices.dynamoWriteUnit,
    dynamoReads: event.readUnits * prices.dynamoReadUnit,
    lambdaRequests: prices.lambdaRequest / batch,
    lambdaDuration: (seconds * a.lambdaMemoryGb * prices.lambdaGbSecond) / batch,
    front: frontShare(path, prices, a, event.bodyBytes),
    logs: ((event.logBytes + accessLog) / 1024 ** 3) * prices.logsIngestedGb,
    // An event that still writes its counters pays them in dynamoWrites.
    aggregator: event.writesCounters ? 0 : aggregatorShare(event.streamRecords, prices, a),
  };
  const perMillion = Object.fromEntries(Object.entries(perEvent).map(([k, v]) => [k, v * MILLION])) as Omit<CostBreakdown, 'total'>;
  return { ...perMillion, total: Object.values(perMillion).reduce((sum, v) => sum + v, 0) };
}

/** Events a month from `devices` each reconnecting `perDay` times (a disconnect and a connect each), 30 days. */
export const monthlyEvents = (devices: number, perDay: number) => devices * perDay * 30 * 2;

/** Reconciliation runs a month at one run every `everyMinutes`. */
export const monthlyReconcileRuns = (everyMinutes: number) => (30 * 24 * 60) / everyMinutes;

export type MonthlyInputs = {
  devices: number;
  reconnectsPerDay: number;
  /** Mean $ per million events of a reconnect's two events. */
  dollarsPerMillionEvents: number;
  storageBytesPerSession: number;
  /** $ of one reconciliation run per 1,000 sessions (0 where no broker is reconciled). */
  reconcileDollarsPer1000: number;
  reconcileEveryMinutes: number;
};

export type MonthlyCost = { events: number; ingest: number; storage: number; reconcile: number; total: number; fleetIndexing: number };

export function monthlyCost(m: MonthlyInputs, prices: Prices): MonthlyCost {
  const events = monthlyEvents(m.devices, m.reconnectsPerDay);
  const ingest = (events / MILLION) * m.dollarsPerMillionEvents;
  const storage = ((m.devices * m.storageBytesPerSession) / 1024 ** 3) * prices.dynamoStorageGbMonth;
  const reconcile = monthlyReconcileRuns(m.reconcileEveryMinutes) * (m.devices / 1000) * m.reconcileDollarsPer1000;
  // Fleet indexing's connectivity index takes an update per state change.
  const fleetIndexing = events * prices.iotFleetIndexUpdate;
  return { events, ingest, storage, reconcile, total: ingest + storage + reconcile, fleetIndexing };
}
