/** The cost arithmetic: prices times what one event consumed, per delivery path. */
import { describe, expect, it } from 'vitest';
import { aggregatorShare, costPerMillion, eventsPerInvocation, httpBatchActions, invocationMs, monthlyCost, type Assumptions, type DeliveryPath, type MeasuredEvent } from './cost-model.js';
import { PRICES } from './prices.js';

const A: Assumptions = {
  lambdaMemoryGb: 0.5,
  roundTripMs: 8,
  invocationOverheadMs: 3,
  batchConcurrency: 24,
  accessLogLineBytes: 450,
  logEventOverheadBytes: 26,
  aggregatorRecordsPerBatch: 100,
  aggregatorInvocationMs: 30,
  sqsPollRequestsPerMessage: 0.2,
};

const event = (over: Partial<MeasuredEvent> = {}): MeasuredEvent => ({
  kind: 'clean connect',
  source: 'emqx',
  writeUnits: 3,
  readUnits: 1,
  waves: 2,
  logBytes: 0,
  streamRecords: 1,
  writesCounters: false,
  bodyBytes: 400,
  ...over,
});

const path = (front: DeliveryPath['front'], batchSize = 1): DeliveryPath => ({ name: front, source: 'emqx', front, batchSize });

describe('cost per million events', () => {
  it('prices DynamoDB units at $0.625 and $0.125 per million, and API Gateway at $1 per request', () => {
    const c = costPerMillion(event(), path('http-api'), PRICES, A);
    expect(c.dynamoWrites).toBeCloseTo(3 * 0.625, 10);
    expect(c.dynamoReads).toBeCloseTo(0.125, 10);
    expect(c.front).toBeCloseTo(1.0, 10);
    expect(c.lambdaRequests).toBeCloseTo(0.2, 10);
    expect(c.total).toBeCloseTo(Object.entries(c).filter(([k]) => k !== 'total').reduce((s, [, v]) => s + v, 0), 10);
  });

  it('spreads per-request charges over a batch, and a function URL adds no request charge nor access log', () => {
    const single = costPerMillion(event(), path('http-api', 1), PRICES, A);
    const batched = costPerMillion(event(), path('http-api', 100), PRICES, A);
    expect(batched.front).toBeCloseTo(single.front / 100, 10);
    expect(batched.lambdaRequests).toBeCloseTo(single.lambdaRequests / 100, 10);
    const url = costPerMillion(event(), path('function-url'), PRICES, A);
    expect(url.front).toBe(0);
    expect(url.logs).toBe(0);
    expect(single.logs).toBeCloseTo(((450 + 26) / 1024 ** 3) * 0.5 * 1e6, 10);
  });

  it('charges IoT rules per event and SQS per message with its polling, whatever the batch', () => {
    expect(costPerMillion(event(), path('iot-rule-lambda'), PRICES, A).front).toBeCloseTo(0.3, 10);
    expect(costPerMillion(event(), path('iot-rule-sqs', 1000), PRICES, A).front).toBeCloseTo(0.3 + 0.4 * 1.2, 10);
  });

  it('charges a batched HTTP action once per started 5 KiB of the batch, the rule per event, and Lambda per batch', () => {
    const batched: DeliveryPath = { name: 'http batch', source: 'aws', front: 'iot-rule-http-batch', batchSize: 10, maxBatchBytes: 5120 };
    // Ten events of 400 bytes: 4,011 bytes, one metered action for ten events.
    expect(httpBatchActions(10, 400)).toBe(1);
    const small = costPerMillion(event({ bodyBytes: 400 }), batched, PRICES, A);
    expect(small.front).toBeCloseTo(0.15 + 0.15 / 10, 10);
    expect(small.lambdaRequests).toBeCloseTo(0.2 / 10, 10);
    // Events of 600 bytes: eight fit in 5,120 bytes, so a batch holds eight, still one action.
    expect(eventsPerInvocation(batched, 600)).toBe(8);
    const large = costPerMillion(event({ bodyBytes: 600 }), batched, PRICES, A);
    expect(large.front).toBeCloseTo(0.15 + 0.15 / 8, 10);
    expect(large.lambdaRequests).toBeCloseTo(0.2 / 8, 10);
    // Without the byte limit ten such events take two increments.
    expect(httpBatchActions(10, 600)).toBe(2);
    const unbounded = costPerMillion(event({ bodyBytes: 600 }), { ...batched, maxBatchBytes: undefined }, PRICES, A);
    expect(unbounded.front).toBeCloseTo(0.15 + (0.15 * 2) / 10, 10);
  });

  it('adds the aggregator share only for events that no longer write their counters', () => {
    const share = aggregatorShare(1, PRICES, A) * 1e6;
    expect(share).toBeGreaterThan(0);
    expect(costPerMillion(event({ writesCounters: false }), path('function-url'), PRICES, A).aggregator).toBeCloseTo(share, 10);
    expect(costPerMillion(event({ writesCounters: true }), path('function-url'), PRICES, A).aggregator).toBe(0);
    // One UpdateItem and one invocation per 100 records: about a hundredth of a write and a request each.
    expect(share).toBeCloseTo((0.625 + 0.2 + 0.03 * 0.5 * 0.0000133334 * 1e6) / 100, 6);
  });

  it('bills an invocation its round trips, a batch in rounds of the clients it stores at once', () => {
    expect(invocationMs(1, 2, A)).toBe(19);
    expect(invocationMs(24, 2, A)).toBe(19);
    expect(invocationMs(25, 2, A)).toBe(35);
  });
});

describe('a month', () => {
  it('counts two events per reconnect over 30 days and compares with fleet indexing at $2.25 per million updates', () => {
    const m = monthlyCost({ devices: 1_000_000, reconnectsPerDay: 1, dollarsPerMillionEvents: 1.5, storageBytesPerSession: 1024, reconcileDollarsPer1000: 0, reconcileEveryMinutes: 5 }, PRICES);
    expect(m.events).toBe(60_000_000);
    expect(m.ingest).toBeCloseTo(90, 6);
    expect(m.fleetIndexing).toBeCloseTo(135, 6);
    expect(m.storage).toBeCloseTo((1_000_000 * 1024 * 0.25) / 1024 ** 3, 6);
    expect(m.total).toBeCloseTo(m.ingest + m.storage, 6);
  });
});
