/** The fleet-size model: what each setting follows from, and the limits it keeps to. */
import { describe, expect, it } from 'vitest';
import {
  fleetSizing,
  MIN_INGEST_EVENTS_PER_SECOND,
  MIN_SHARDS,
  PARTITION_WRITE_UNITS_PER_SECOND,
  STATE_CHANGES_PER_SHARD,
  TABLE_THROUGHPUT_QUOTA,
} from '../../infra/aws/fleet-sizing.js';

describe('fleetSizing', () => {
  it('sizes a million devices at 8 shards and at least 5,000 events a second', () => {
    const sizing = fleetSizing(1_000_000);
    expect(sizing).toMatchObject({ shards: 8, stormEventsPerSecond: 5_000, ingestEventsPerSecond: 6_800, ingestThrottle: { rateLimit: 6_800, burstLimit: 6_800 }, queueConsumers: 7 });
    expect(sizing.ingestEventsPerSecond).toBeGreaterThanOrEqual(MIN_INGEST_EVENTS_PER_SECOND);
    expect(sizing.warmThroughput).toEqual({ readUnitsPerSecond: 12_000, writeUnitsPerSecond: 25_000 });
  });

  it('sizes ten million devices at 16 shards', () => {
    expect(fleetSizing(10_000_000)).toMatchObject({ shards: 16, stormEventsPerSecond: 11_112, ingestEventsPerSecond: 13_600, queueConsumers: 14 });
  });

  it('keeps a small fleet at the minimum shards and leaves the table unwarmed', () => {
    expect(fleetSizing(10_000)).toMatchObject({ shards: MIN_SHARDS, ingestEventsPerSecond: MIN_SHARDS * STATE_CHANGES_PER_SHARD, warmThroughput: undefined });
  });

  it('never lets the ingest limit push one shard past a partition\'s write units, whatever the fleet', () => {
    for (const fleetSize of [1, 1_000, 999_999, 1_000_001, 3_000_000, 25_000_000, 100_000_000]) {
      const sizing = fleetSizing(fleetSize);
      expect(sizing.ingestEventsPerSecond / sizing.shards).toBeLessThan(PARTITION_WRITE_UNITS_PER_SECOND);
      expect(sizing.ingestEventsPerSecond).toBeGreaterThanOrEqual(sizing.stormEventsPerSecond);
      expect(Math.log2(sizing.shards) % 1).toBe(0);
      if (sizing.warmThroughput) expect(sizing.warmThroughput.writeUnitsPerSecond).toBeLessThanOrEqual(TABLE_THROUGHPUT_QUOTA);
    }
  });

  it('lets given shards set the ingest limits', () => {
    expect(fleetSizing(10_000_000, { shards: 8 })).toMatchObject({ shards: 8, ingestEventsPerSecond: 6_800, queueConsumers: 7 });
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a fleet size of %s', (fleetSize) => {
    expect(() => fleetSizing(fleetSize)).toThrow(/fleetSize/);
  });

  it('refuses a fleet that needs more shards than the functions take', () => {
    expect(() => fleetSizing(500_000_000)).toThrow(/shards/);
  });
});
