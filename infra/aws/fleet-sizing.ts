/**
 * What the stack's capacity settings follow from one number, the fleet's
 * size in devices: the index/counter shards, the ingest route's throttle, how
 * many queue consumers run at once, and the sessions table's warm throughput.
 * Pure: no CDK, so tests, benches and documentation read the same numbers.
 *
 * The model. Every connect or disconnect changes the index entries under one
 * shard's partition keys (the counters follow from the table's stream, one
 * write per batch of changes), and DynamoDB serves one
 * partition at most 1,000 write units and 3,000 read units a second (tables
 * and indexes alike). The shards therefore bound the state changes the table
 * sustains; the ingest paths are held to what the shards sustain, so a storm
 * waits in EMQX's retries (429) or in the queue instead of throttling the
 * table for the API's readers.
 */
import { SESSIONS_TABLE } from '../../functions/sessions/table.js';

/** DynamoDB's documented limits of one partition, per second. */
export const PARTITION_WRITE_UNITS_PER_SECOND = 1_000;
export const PARTITION_READ_UNITS_PER_SECOND = 3_000;

/**
 * State changes one shard takes a second: 85% of a partition's write units
 * (each change writes a shard's state index partition once), the
 * rest left for the sweeper, reconciliation and kicks on the same keys.
 */
export const STATE_CHANGES_PER_SHARD = 850;

/** Fewer shards save nothing that matters (a list page queries each once) and leave no room to grow. */
export const MIN_SHARDS = 8;

/** The highest SESSION_SHARDS the functions take (functions/config/ranges.ts). */
export const MAX_SHARDS = 256;

/**
 * The storm the ingest paths are sized for: every device disconnects and
 * connects again after an outage. A fleet of up to a million does so within
 * FAST_RECONNECT_SECONDS, at most MIN_INGEST_EVENTS_PER_SECOND (a million:
 * 5,000 events a second); a larger one within RECONNECT_STORM_SECONDS, since
 * brokers limit their own connection rate and a fleet 10 times larger takes
 * longer rather than coming back 10 times faster.
 */
export const FAST_RECONNECT_SECONDS = 400;
export const MIN_INGEST_EVENTS_PER_SECOND = 5_000;
export const RECONNECT_STORM_SECONDS = 1_800;
const STATE_CHANGES_PER_RECONNECT = 2;

/**
 * Write units an event puts on each place, the most of any event (measured
 * by `npm run bench:cost`, bench-results/cost.md): the session item 1; a
 * session's start and end add and remove its state entry (1) and its
 * username entry (1); a persistent session's disconnect or resume rewrites
 * its state entry in place (1) and adds or removes its expiry entry (1).
 * `by-conn-state` keeps 2, what a resume that changes the session's kind
 * (its expiry interval to or from 0) takes, moving the entry between
 * partitions: rare, but warm throughput can never be lowered, and stacks
 * deployed before were warmed for 2. Every index has partitions and
 * throughput of its own, so each is warmed for its share.
 */
export const EVENT_WRITE_UNITS: { readonly table: number; readonly indexes: Readonly<Record<string, number>> } = {
  table: 1,
  indexes: {
    [SESSIONS_TABLE.indexes.byConnState.indexName]: 2,
    [SESSIONS_TABLE.indexes.byUsername.indexName]: 1,
    [SESSIONS_TABLE.indexes.byExpiry.indexName]: 1,
  },
};
/**
 * What the table is warmed for, per event: every place's most, added up.
 * No one event writes all of it (a connection event writes 3), but warm
 * throughput can never be lowered, and stacks deployed before were warmed at
 * this figure.
 */
export const WRITE_UNITS_PER_EVENT = EVENT_WRITE_UNITS.table + Object.values(EVENT_WRITE_UNITS.indexes).reduce((a, b) => a + b, 0);
/**
 * Read units an event takes, the most of any path: an AWS IoT event reads
 * its session's item (1); EMQX 5's connects read nothing and its
 * disconnects half a unit.
 */
export const READ_UNITS_PER_EVENT = 1;

/** What a new on-demand table, and each new index, serves at once; warm throughput below it changes nothing. */
export const ON_DEMAND_INITIAL_THROUGHPUT = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;

/**
 * The default quota of an on-demand table's throughput, per second, applying
 * to the table and to each of its indexes; above it a place can be neither
 * warmed nor served without a quota increase.
 */
export const TABLE_THROUGHPUT_QUOTA = 40_000;

/**
 * API Gateway's throttle of an account and region (all its APIs, every
 * route), requests a second, unless raised by a quota increase.
 */
export const API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND = 10_000;

/** The admin routes' default throttle (every route but the ingest route), requests a second. */
export const ADMIN_REQUESTS_PER_SECOND = 100;

/**
 * Events one queue consumer stores a second: a batch of 1,000 written 24
 * clients at a time (functions/ingest/apply-batch.ts) at about 20 ms a write.
 */
export const EVENTS_PER_QUEUE_CONSUMER_PER_SECOND = 1_000;

/** Lambda's floor for an SQS event source mapping's maximum concurrency. */
const MIN_QUEUE_CONSUMERS = 2;

/**
 * The default fleet: the storm of 10 million devices (every one reconnecting
 * within 30 minutes) is what the defaults absorb; a smaller fleet sets
 * `fleetSize` to leave the table unwarmed.
 */
export const DEFAULT_FLEET_SIZE = 10_000_000;

/** Read and write units a second a table or index serves at once. */
export type WarmThroughput = { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };

export interface FleetSizing {
  readonly fleetSize: number;
  /** State changes a second of the fleet's reconnect storm. */
  readonly stormEventsPerSecond: number;
  /** SESSION_SHARDS: a power of two, so a growing fleet rarely changes it. */
  readonly shards: number;
  /** State changes a second the shards sustain: the ingest paths' limit. */
  readonly ingestEventsPerSecond: number;
  /** API Gateway throttle of the ingest route: what the shards sustain, leaving the admin routes their share of the account's limit. */
  readonly ingestThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Maximum concurrency of the AWS IoT queue's event source mapping. */
  readonly queueConsumers: number;
  /** The sessions table's on-demand warm throughput; undefined when a new table serves the storm anyway. */
  readonly warmThroughput: WarmThroughput | undefined;
  /** Each index's warm throughput, by index name; an index a new one serves anyway is absent. */
  readonly indexWarmThroughput: Readonly<Record<string, WarmThroughput>>;
}

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Warm throughput of one place (the table, or an index) taking `units` an
 * event: none when a new one serves the storm anyway; else what the ingest
 * paths let through, so the place never holds them back, within the quota.
 */
function warmThroughputFor(units: { read: number; write: number }, stormEventsPerSecond: number, ingestEventsPerSecond: number): WarmThroughput | undefined {
  const initial = ON_DEMAND_INITIAL_THROUGHPUT;
  if (stormEventsPerSecond * units.read <= initial.readUnitsPerSecond && stormEventsPerSecond * units.write <= initial.writeUnitsPerSecond) return undefined;
  const within = (perEvent: number, floor: number) => Math.max(floor, Math.min(TABLE_THROUGHPUT_QUOTA, Math.ceil(ingestEventsPerSecond * perEvent)));
  return { readUnitsPerSecond: within(units.read, initial.readUnitsPerSecond), writeUnitsPerSecond: within(units.write, initial.writeUnitsPerSecond) };
}

function indexWarmThroughputFor(stormEventsPerSecond: number, ingestEventsPerSecond: number): Record<string, WarmThroughput> {
  const warmed: Record<string, WarmThroughput> = {};
  for (const [indexName, write] of Object.entries(EVENT_WRITE_UNITS.indexes)) {
    const warm = warmThroughputFor({ read: 0, write }, stormEventsPerSecond, ingestEventsPerSecond);
    if (warm) warmed[indexName] = warm;
  }
  return warmed;
}

/**
 * The sizing of a fleet of `fleetSize` devices. Given `shards` (a table
 * written with them keeps them), the ingest limits follow those instead;
 * given the admin routes' throttle, the ingest route leaves them that much of
 * API Gateway's account limit.
 */
export function fleetSizing(
  fleetSize: number = DEFAULT_FLEET_SIZE,
  given: { readonly shards?: number; readonly adminRequestsPerSecond?: number } = {},
): FleetSizing {
  if (!Number.isInteger(fleetSize) || fleetSize < 1) throw new Error(`fleetSize must be a whole number of devices above 0, got ${fleetSize}`);
  const changes = fleetSize * STATE_CHANGES_PER_RECONNECT;
  const stormEventsPerSecond = Math.ceil(Math.max(changes / RECONNECT_STORM_SECONDS, Math.min(MIN_INGEST_EVENTS_PER_SECOND, changes / FAST_RECONNECT_SECONDS)));
  const shards = given.shards ?? Math.max(MIN_SHARDS, nextPowerOfTwo(Math.ceil(stormEventsPerSecond / STATE_CHANGES_PER_SHARD)));
  if (shards > MAX_SHARDS) throw new Error(`fleetSize ${fleetSize} needs ${shards} shards, more than the ${MAX_SHARDS} the functions take`);
  const ingestEventsPerSecond = shards * STATE_CHANGES_PER_SHARD;
  // Admin routes throttled past what the account's limit leaves a fleet's
  // storm must come with a raised quota: the ingest route keeps its floor.
  const accountRoom = Math.max(MIN_INGEST_EVENTS_PER_SECOND, API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND - (given.adminRequestsPerSecond ?? ADMIN_REQUESTS_PER_SECOND));
  const ingestRequestsPerSecond = Math.min(ingestEventsPerSecond, accountRoom);
  return {
    fleetSize,
    stormEventsPerSecond,
    shards,
    ingestEventsPerSecond,
    ingestThrottle: { rateLimit: ingestRequestsPerSecond, burstLimit: ingestRequestsPerSecond },
    queueConsumers: Math.max(MIN_QUEUE_CONSUMERS, Math.ceil(ingestEventsPerSecond / EVENTS_PER_QUEUE_CONSUMER_PER_SECOND)),
    // The table's write figure counts every unit an event writes, indexes
    // included, as tables sized before the indexes were warmed have it: warm
    // throughput cannot be lowered, so a deployed table's figure never drops.
    warmThroughput: warmThroughputFor({ read: READ_UNITS_PER_EVENT, write: WRITE_UNITS_PER_EVENT }, stormEventsPerSecond, ingestEventsPerSecond),
    indexWarmThroughput: indexWarmThroughputFor(stormEventsPerSecond, ingestEventsPerSecond),
  };
}
