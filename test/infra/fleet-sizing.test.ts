/** The fleet-size model: what each setting follows from, and the limits it keeps to. */
import { describe, expect, it } from 'vitest';
import {
  ADMIN_REQUESTS_PER_SECOND,
  API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND,
  DEFAULT_FLEET_SIZE,
  EVENT_WRITE_UNITS,
  fleetSizing,
  MIN_INGEST_EVENTS_PER_SECOND,
  MIN_SHARDS,
  ON_DEMAND_INITIAL_THROUGHPUT,
  PARTITION_WRITE_UNITS_PER_SECOND,
  READ_UNITS_PER_EVENT,
  RECONNECT_STORM_SECONDS,
  STATE_CHANGES_PER_SHARD,
  TABLE_THROUGHPUT_QUOTA,
  WRITE_UNITS_PER_EVENT,
} from '../../infra/aws/fleet-sizing.js';
import { SESSION_INDEXES } from '../../functions/sessions/table.js';

describe('fleetSizing', () => {
  it('defaults to ten million devices at 16 shards: their storm within 30 minutes, a million\'s at 5,000 events a second or more', () => {
    expect(DEFAULT_FLEET_SIZE).toBe(10_000_000);
    const sizing = fleetSizing();
    expect(sizing).toMatchObject({ shards: 16, stormEventsPerSecond: 11_112, ingestEventsPerSecond: 13_600, queueConsumers: 14 });
    expect(sizing.ingestEventsPerSecond * RECONNECT_STORM_SECONDS).toBeGreaterThanOrEqual(2 * DEFAULT_FLEET_SIZE);
    expect(sizing.ingestEventsPerSecond).toBeGreaterThanOrEqual(MIN_INGEST_EVENTS_PER_SECOND);
  });

  it('holds the ingest route within API Gateway\'s account limit, less the admin routes\' throttle', () => {
    const limit = API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND - ADMIN_REQUESTS_PER_SECOND;
    expect(fleetSizing().ingestThrottle).toEqual({ rateLimit: limit, burstLimit: limit });
    expect(fleetSizing(DEFAULT_FLEET_SIZE, { adminRequestsPerSecond: 1_000 }).ingestThrottle.rateLimit).toBe(API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND - 1_000);
    // Admin routes throttled past the account's room leave the ingest route its floor (a raised quota is theirs to ask).
    expect(fleetSizing(DEFAULT_FLEET_SIZE, { adminRequestsPerSecond: 20_000 }).ingestThrottle.rateLimit).toBe(MIN_INGEST_EVENTS_PER_SECOND);
    // Below the account limit the shards decide.
    expect(fleetSizing(1_000_000).ingestThrottle).toEqual({ rateLimit: 6_800, burstLimit: 6_800 });
  });

  it('warms each index for what the ingest paths let through, by the units it takes an event, and the table for them all', () => {
    const sizing = fleetSizing();
    const events = sizing.ingestEventsPerSecond;
    expect(sizing.warmThroughput).toEqual({
      readUnitsPerSecond: Math.max(ON_DEMAND_INITIAL_THROUGHPUT.readUnitsPerSecond, events * READ_UNITS_PER_EVENT),
      writeUnitsPerSecond: Math.min(TABLE_THROUGHPUT_QUOTA, events * WRITE_UNITS_PER_EVENT),
    });
    expect(Object.keys(sizing.indexWarmThroughput).sort()).toEqual(SESSION_INDEXES.map((i) => i.indexName).sort());
    for (const [indexName, warm] of Object.entries(sizing.indexWarmThroughput)) {
      expect(warm.writeUnitsPerSecond).toBe(Math.min(TABLE_THROUGHPUT_QUOTA, events * EVENT_WRITE_UNITS.indexes[indexName]!));
      expect(warm.readUnitsPerSecond).toBe(ON_DEMAND_INITIAL_THROUGHPUT.readUnitsPerSecond);
    }
    // An entry moving between the state index's partitions: the most any index takes of an event.
    expect(EVENT_WRITE_UNITS.indexes['by-conn-state']).toBe(Math.max(...Object.values(EVENT_WRITE_UNITS.indexes)));
  });

  it('counts an event\'s write units once: the table\'s and every index\'s', () => {
    expect(WRITE_UNITS_PER_EVENT).toBe(EVENT_WRITE_UNITS.table + Object.values(EVENT_WRITE_UNITS.indexes).reduce((a, b) => a + b, 0));
    expect(Object.keys(EVENT_WRITE_UNITS.indexes).sort()).toEqual(SESSION_INDEXES.map((i) => i.indexName).sort());
  });

  it('sizes a million devices at 8 shards, warmed, when fleetSize says so', () => {
    const sizing = fleetSizing(1_000_000);
    expect(sizing).toMatchObject({ shards: 8, stormEventsPerSecond: 5_000, ingestEventsPerSecond: 6_800, queueConsumers: 7 });
    expect(sizing.warmThroughput).toEqual({ readUnitsPerSecond: 12_000, writeUnitsPerSecond: 6_800 * WRITE_UNITS_PER_EVENT });
    expect(sizing.indexWarmThroughput['by-conn-state']).toEqual({ readUnitsPerSecond: 12_000, writeUnitsPerSecond: 6_800 * EVENT_WRITE_UNITS.indexes['by-conn-state']! });
  });

  it('never warms a table below what the sizing gave it before its indexes were warmed (5 write units an event of the storm): warm throughput cannot be lowered', () => {
    for (const fleetSize of [300_000, 1_000_000, 2_000_000, 10_000_000]) {
      const sizing = fleetSizing(fleetSize);
      expect(sizing.warmThroughput!.writeUnitsPerSecond).toBeGreaterThanOrEqual(Math.min(TABLE_THROUGHPUT_QUOTA, sizing.stormEventsPerSecond * 5));
    }
  });

  it('keeps a small fleet at the minimum shards and leaves the table and its indexes unwarmed', () => {
    expect(fleetSizing(100_000)).toMatchObject({ shards: MIN_SHARDS, ingestEventsPerSecond: MIN_SHARDS * STATE_CHANGES_PER_SHARD, warmThroughput: undefined, indexWarmThroughput: {} });
  });

  it('never lets the ingest limit push one shard past a partition\'s write units, nor warm a place past the quota, whatever the fleet', () => {
    for (const fleetSize of [1, 1_000, 999_999, 1_000_001, 3_000_000, 25_000_000, 100_000_000]) {
      const sizing = fleetSizing(fleetSize);
      expect(sizing.ingestEventsPerSecond / sizing.shards).toBeLessThan(PARTITION_WRITE_UNITS_PER_SECOND);
      expect(sizing.ingestEventsPerSecond).toBeGreaterThanOrEqual(sizing.stormEventsPerSecond);
      expect(sizing.ingestThrottle.rateLimit).toBeLessThanOrEqual(API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND - ADMIN_REQUESTS_PER_SECOND);
      expect(Math.log2(sizing.shards) % 1).toBe(0);
      for (const warm of [sizing.warmThroughput, ...Object.values(sizing.indexWarmThroughput)]) {
        if (!warm) continue;
        expect(warm.writeUnitsPerSecond).toBeLessThanOrEqual(TABLE_THROUGHPUT_QUOTA);
        expect(warm.readUnitsPerSecond).toBeLessThanOrEqual(TABLE_THROUGHPUT_QUOTA);
      }
    }
  });

  it('lets given shards set the ingest limits and the warm throughput', () => {
    const sizing = fleetSizing(10_000_000, { shards: 8 });
    expect(sizing).toMatchObject({ shards: 8, ingestEventsPerSecond: 6_800, queueConsumers: 7, ingestThrottle: { rateLimit: 6_800 } });
    expect(sizing.warmThroughput!.writeUnitsPerSecond).toBe(6_800 * WRITE_UNITS_PER_EVENT);
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a fleet size of %s', (fleetSize) => {
    expect(() => fleetSizing(fleetSize)).toThrow(/fleetSize/);
  });

  it('refuses a fleet that needs more shards than the functions take', () => {
    expect(() => fleetSizing(500_000_000)).toThrow(/shards/);
  });
});
