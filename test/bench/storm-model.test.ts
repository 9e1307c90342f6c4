/** The storm model: bounds, monotonicity, and the limits it applies. */
import { describe, expect, it } from 'vitest';
import { largestShardShareOf } from './storm-shards.js';
import { absorbStorm, eventRateAt, partitionBounds, tableWriteUnitsPerSecond, type EventWrites, type StormLimits } from './storm-model.js';

const writes: EventWrites = { sessionUnits: 2, counterUnits: 2, indexUnits: { 'by-conn-state': 2, 'by-username': 1 } };
const limits = (over: Partial<StormLimits> = {}): StormLimits => ({
  shards: 8,
  largestShardShare: 1 / 8,
  largestTenantShare: 0.1,
  usernameIndex: 'by-username',
  frontEventsPerSecond: 100_000,
  initialWriteUnitsPerSecond: 4_000,
  initialReadUnitsPerSecond: 12_000,
  indexInitialWriteUnitsPerSecond: {},
  throughputQuota: 40_000,
  ...over,
});

describe('storm model', () => {
  it('holds a partition to 1,000 write units a second, an entry moving between partitions writing 1 unit on each', () => {
    const bounds = Object.fromEntries(partitionBounds(writes, limits()).map((b) => [b.name, b.eventsPerSecond]));
    expect(bounds['counter item of the busiest shard']).toBeCloseTo(1000 / (2 / 8), 6);
    // 2 units of by-conn-state: deleted from one state's partition, put in the other's.
    expect(bounds['by-conn-state: busiest partition']).toBeCloseTo(1000 / (1 / 8), 6);
    expect(bounds['by-username: busiest partition']).toBeCloseTo(1000 / (1 * 0.1 / 8), 6);
  });

  it('doubles table throughput every 30 minutes from the initial or warm figure', () => {
    expect(tableWriteUnitsPerSecond(4000, 0)).toBe(4000);
    expect(tableWriteUnitsPerSecond(4000, 29.9)).toBe(4000);
    expect(tableWriteUnitsPerSecond(4000, 30)).toBe(8000);
    expect(tableWriteUnitsPerSecond(4000, 65)).toBe(16000);
  });

  it('never grows a table or index past the quota, nor holds a warmer one below its warm figure', () => {
    expect(tableWriteUnitsPerSecond(4000, 200, 40_000)).toBe(40_000);
    expect(tableWriteUnitsPerSecond(30_000, 30, 40_000)).toBe(40_000);
    const bound = (over: Partial<StormLimits>) => eventRateAt({ sessionUnits: 0, counterUnits: 0, indexUnits: { 'by-expiry': 1 } }, limits({ largestShardShare: 0, frontEventsPerSecond: 1e15, ...over }), 600);
    // Ten hours of doubling from 4,000, held at the quota.
    expect(bound({})).toEqual({ name: 'by-expiry throughput', eventsPerSecond: 40_000 });
    expect(bound({ throughputQuota: 1e12 }).eventsPerSecond).toBe(4_000 * 2 ** 20);
  });

  it('starts each index at its own warm throughput, the others at on-demand\'s initial', () => {
    const w: EventWrites = { sessionUnits: 0, counterUnits: 0, indexUnits: { 'by-conn-state': 2, 'by-expiry': 1 } };
    const l = limits({ largestShardShare: 0, indexInitialWriteUnitsPerSecond: { 'by-conn-state': 30_000 } });
    // by-conn-state: 30,000 / 2 = 15,000 events/s; by-expiry, unwarmed: 4,000.
    expect(eventRateAt(w, l, 0)).toEqual({ name: 'by-expiry throughput', eventsPerSecond: 4_000 });
    expect(eventRateAt(w, limits({ largestShardShare: 0, indexInitialWriteUnitsPerSecond: { 'by-conn-state': 30_000, 'by-expiry': 40_000 } }), 0)).toEqual({
      name: 'by-conn-state throughput',
      eventsPerSecond: 15_000,
    });
  });

  it('bounds events by reads too, at three times the write throughput', () => {
    const readHeavy = { sessionUnits: 0, counterUnits: 0, indexUnits: {}, readUnits: 24 };
    expect(eventRateAt(readHeavy, limits(), 0)).toEqual({ name: 'table read throughput', eventsPerSecond: 12_000 / 24 });
  });

  it('never runs faster than the front door lets events through', () => {
    expect(eventRateAt(writes, limits({ frontEventsPerSecond: 10 }), 0)).toEqual({ name: 'front door (throttle, concurrency)', eventsPerSecond: 10 });
  });

  it('takes longer for more devices, and less with more shards, warm throughput or a wider front door', () => {
    const base = (n: number, over: Partial<StormLimits> = {}) => absorbStorm(n, writes, limits(over)).minutes;
    expect(base(1_000_000)).toBeGreaterThan(base(100_000));
    expect(base(10_000_000)).toBeGreaterThan(base(1_000_000));
    expect(base(1_000_000, { largestShardShare: 1 / 64, initialWriteUnitsPerSecond: 40_000 })).toBeLessThan(base(1_000_000));
    expect(base(1_000_000, { frontEventsPerSecond: 500 })).toBeGreaterThan(base(1_000_000));
  });

  it('stores every event: a storm at a fixed rate takes its events over that rate', () => {
    const r = absorbStorm(100_000, { sessionUnits: 1, counterUnits: 0, indexUnits: {} }, limits({ frontEventsPerSecond: 1_000 }));
    expect(r.events).toBe(200_000);
    expect(r.minutes).toBeCloseTo(200_000 / 1_000 / 60, 6);
    expect(r.limitedBy).toEqual(['front door (throttle, concurrency)']);
  });

  it('gets faster after 30 minutes when throughput doubles', () => {
    const w = { sessionUnits: 4, counterUnits: 0, indexUnits: {} };
    const r = absorbStorm(10_000_000, w, limits({ frontEventsPerSecond: 1e9, largestShardShare: 0 }));
    // 1,000 events/s for 30 min (1.8M), then 2,000/s: the rest 18.2M takes 151.7 min at most.
    expect(r.minutes).toBeLessThan(20_000_000 / 1_000 / 60);
    expect(r.minutes).toBeGreaterThan(30);
  });

  it('finds the real shard function spread about evenly', () => {
    const share = largestShardShareOf(8, 50_000);
    expect(share).toBeGreaterThanOrEqual(1 / 8);
    expect(share).toBeLessThan(1.1 / 8);
  });
});
