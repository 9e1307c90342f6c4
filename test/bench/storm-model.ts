/**
 * A partition-level model of a reconnect storm: every device disconnects and
 * connects again, all at once. Each event's write units land on the session's
 * own items (spread over the table), its shard's counter item, and one
 * partition per index (every index is partitioned by shard, by-username by
 * shard and username). A partition takes at most 1,000 write units a second,
 * indexes included; an on-demand table and each index start at 4,000 write
 * units (12,000 read units) a second, or their own warm throughput, double
 * every 30 minutes at most, and never pass the table-level quota (which holds
 * for the table and for each index); reads land on the session's own item
 * (spread, never a hot partition); the front door (API Gateway's throttle,
 * Lambda's concurrency) caps the rest. Pure arithmetic: storm-load.ts feeds
 * it what the code does, and the limits are fleet-sizing.ts's.
 */
import { ON_DEMAND_INITIAL_THROUGHPUT, PARTITION_WRITE_UNITS_PER_SECOND } from '../../infra/aws/fleet-sizing.js';

export const ON_DEMAND_DOUBLING_MINUTES = 30;

/** Write units per event where they land (the mean of a storm's events). */
export type EventWrites = {
  /** The session's own items: partitions of their own, spread. */
  sessionUnits: number;
  /** Its shard's counter item: one partition per shard. */
  counterUnits: number;
  /**
   * Per index: units on partitions of the event's shard. An index entry is
   * under 1 KB, so more than 1 unit is an entry moving between partitions
   * (a session whose expiry interval changes on resume moves between
   * `connected#<shard>` and `disconnected#<shard>`): each partition takes
   * at most 1 unit of an event.
   */
  indexUnits: Record<string, number>;
  /** Read units, all of the session's own item (spread like the table). */
  readUnits?: number;
};

export type StormLimits = {
  shards: number;
  /** The largest shard's share of the devices (shardOf over the fleet's client ids; 1/shards when even). */
  largestShardShare: number;
  /** The largest tenant's share of the devices: its by-username partitions are its own. */
  largestTenantShare: number;
  /** Index whose partition is per username as well as per shard. */
  usernameIndex: string;
  /** Events a second the front door lets through (API Gateway throttle × events per request, or Lambda's). */
  frontEventsPerSecond: number;
  /** The table's write units a second at the start: its warm throughput, or on-demand's initial. */
  initialWriteUnitsPerSecond: number;
  /** The table's read units a second at the start. */
  initialReadUnitsPerSecond: number;
  /** Each index's write units a second at the start, by name; an index not named starts at on-demand's initial. */
  indexInitialWriteUnitsPerSecond: Record<string, number>;
  /** The table-level quota: the most the table, and each index, serves a second. */
  throughputQuota: number;
};

export type Bottleneck = { name: string; eventsPerSecond: number };

/** Events a second each hot partition takes before it throttles. */
export function partitionBounds(w: EventWrites, l: StormLimits): Bottleneck[] {
  const bounds: Bottleneck[] = [];
  if (w.counterUnits > 0) bounds.push({ name: 'counter item of the busiest shard', eventsPerSecond: PARTITION_WRITE_UNITS_PER_SECOND / (w.counterUnits * l.largestShardShare) });
  for (const [index, units] of Object.entries(w.indexUnits)) {
    if (units <= 0) continue;
    const share = l.largestShardShare * (index === l.usernameIndex ? l.largestTenantShare : 1);
    bounds.push({ name: `${index}: busiest partition`, eventsPerSecond: PARTITION_WRITE_UNITS_PER_SECOND / (Math.min(units, 1) * share) });
  }
  return bounds;
}

/** Table or index throughput at `minute` into a storm that keeps it at its peak: doubling from `initial`, up to `quota`. */
export function tableWriteUnitsPerSecond(initial: number, minute: number, quota = Number.POSITIVE_INFINITY): number {
  return Math.max(initial, Math.min(quota, initial * 2 ** Math.floor(minute / ON_DEMAND_DOUBLING_MINUTES)));
}

/** The tightest bound on events a second at `minute`. */
export function eventRateAt(w: EventWrites, l: StormLimits, minute: number): Bottleneck {
  const capacity = (initial: number) => tableWriteUnitsPerSecond(initial, minute, l.throughputQuota);
  const tableUnits = w.sessionUnits + w.counterUnits;
  const bounds: Bottleneck[] = [
    { name: 'front door (throttle, concurrency)', eventsPerSecond: l.frontEventsPerSecond },
    ...partitionBounds(w, l),
    ...(tableUnits > 0 ? [{ name: 'table throughput', eventsPerSecond: capacity(l.initialWriteUnitsPerSecond) / tableUnits }] : []),
    ...(w.readUnits ? [{ name: 'table read throughput', eventsPerSecond: capacity(l.initialReadUnitsPerSecond) / w.readUnits }] : []),
    ...Object.entries(w.indexUnits)
      .filter(([, units]) => units > 0)
      .map(([index, units]) => ({
        name: `${index} throughput`,
        eventsPerSecond: capacity(l.indexInitialWriteUnitsPerSecond[index] ?? ON_DEMAND_INITIAL_THROUGHPUT.writeUnitsPerSecond) / units,
      })),
  ];
  return bounds.reduce((a, b) => (b.eventsPerSecond < a.eventsPerSecond ? b : a));
}

export type StormResult = { devices: number; events: number; minutes: number; limitedBy: string[]; initialEventsPerSecond: number };

/** Minutes to store a storm of `devices` (a disconnect and a connect each), second by second, and what held it back. */
export function absorbStorm(devices: number, w: EventWrites, l: StormLimits): StormResult {
  const events = devices * 2;
  let stored = 0;
  let seconds = 0;
  const limitedBy = new Set<string>();
  while (stored < events) {
    const minute = seconds / 60;
    const rate = eventRateAt(w, l, minute);
    if (!(rate.eventsPerSecond > 0)) throw new Error(`no progress: ${rate.name}`);
    limitedBy.add(rate.name);
    // Whole 30-minute steps at once where the rate does not change within them.
    const untilStep = (ON_DEMAND_DOUBLING_MINUTES - (minute % ON_DEMAND_DOUBLING_MINUTES)) * 60;
    const step = Math.min(untilStep, Math.ceil((events - stored) / rate.eventsPerSecond));
    stored += rate.eventsPerSecond * step;
    seconds += step;
  }
  return { devices, events, minutes: seconds / 60, limitedBy: [...limitedBy], initialEventsPerSecond: eventRateAt(w, l, 0).eventsPerSecond };
}

/** The mean of events' writes (a storm is as many disconnects as connects). */
export function meanWrites(events: readonly EventWrites[]): EventWrites {
  const n = events.length;
  const indexUnits: Record<string, number> = {};
  for (const e of events) for (const [k, v] of Object.entries(e.indexUnits)) indexUnits[k] = (indexUnits[k] ?? 0) + v / n;
  return {
    sessionUnits: events.reduce((s, e) => s + e.sessionUnits, 0) / n,
    counterUnits: events.reduce((s, e) => s + e.counterUnits, 0) / n,
    indexUnits,
    readUnits: events.reduce((s, e) => s + (e.readUnits ?? 0), 0) / n,
  };
}
