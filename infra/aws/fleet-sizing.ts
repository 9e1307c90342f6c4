/**
 * What the stack's capacity settings follow from one number, the fleet's
 * size in devices: the index/counter shards, the ingest route's throttle, how
 * many queue consumers run at once, and the sessions table's warm throughput.
 * Pure: no CDK, so tests and documentation read the same numbers.
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
 * Measured (bench-results/cost.md): a clean connect or disconnect writes 3
 * units, a persistent session's disconnect or resume 5, and each reads 1;
 * the table is warmed for the larger.
 */
export const WRITE_UNITS_PER_EVENT = 5;
export const READ_UNITS_PER_EVENT = 1;

/** What a new on-demand table serves at once; warm throughput below it changes nothing. */
export const ON_DEMAND_INITIAL_THROUGHPUT = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;

/** The default account quota of an on-demand table's throughput; above it the table cannot be warmed without a quota increase. */
export const TABLE_THROUGHPUT_QUOTA = 40_000;

/**
 * Events one queue consumer stores a second: a batch of 1,000 written 24
 * clients at a time (functions/ingest/apply-batch.ts) at about 20 ms a write.
 */
export const EVENTS_PER_QUEUE_CONSUMER_PER_SECOND = 1_000;

/** Lambda's floor for an SQS event source mapping's maximum concurrency. */
const MIN_QUEUE_CONSUMERS = 2;

export const DEFAULT_FLEET_SIZE = 1_000_000;

export interface FleetSizing {
  readonly fleetSize: number;
  /** State changes a second of the fleet's reconnect storm. */
  readonly stormEventsPerSecond: number;
  /** SESSION_SHARDS: a power of two, so a growing fleet rarely changes it. */
  readonly shards: number;
  /** State changes a second the shards sustain: the ingest paths' limit. */
  readonly ingestEventsPerSecond: number;
  /** API Gateway throttle of the ingest route. */
  readonly ingestThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Maximum concurrency of the AWS IoT queue's event source mapping. */
  readonly queueConsumers: number;
  /** The sessions table's on-demand warm throughput for the storm; undefined when a new table serves it anyway. */
  readonly warmThroughput: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number } | undefined;
}

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** The table's warm throughput for `eventsPerSecond`, within the account's default quota. */
function warmThroughputFor(eventsPerSecond: number): FleetSizing['warmThroughput'] {
  const reads = eventsPerSecond * READ_UNITS_PER_EVENT;
  const writes = eventsPerSecond * WRITE_UNITS_PER_EVENT;
  const initial = ON_DEMAND_INITIAL_THROUGHPUT;
  if (reads <= initial.readUnitsPerSecond && writes <= initial.writeUnitsPerSecond) return undefined;
  const within = (units: number, floor: number) => Math.max(floor, Math.min(TABLE_THROUGHPUT_QUOTA, units));
  return { readUnitsPerSecond: within(reads, initial.readUnitsPerSecond), writeUnitsPerSecond: within(writes, initial.writeUnitsPerSecond) };
}

/**
 * The sizing of a fleet of `fleetSize` devices. Given `shards` (a table
 * written with them keeps them), the ingest limits follow those instead.
 */
export function fleetSizing(fleetSize: number = DEFAULT_FLEET_SIZE, given: { readonly shards?: number } = {}): FleetSizing {
  if (!Number.isInteger(fleetSize) || fleetSize < 1) throw new Error(`fleetSize must be a whole number of devices above 0, got ${fleetSize}`);
  const changes = fleetSize * STATE_CHANGES_PER_RECONNECT;
  const stormEventsPerSecond = Math.ceil(Math.max(changes / RECONNECT_STORM_SECONDS, Math.min(MIN_INGEST_EVENTS_PER_SECOND, changes / FAST_RECONNECT_SECONDS)));
  const shards = given.shards ?? Math.max(MIN_SHARDS, nextPowerOfTwo(Math.ceil(stormEventsPerSecond / STATE_CHANGES_PER_SHARD)));
  if (shards > MAX_SHARDS) throw new Error(`fleetSize ${fleetSize} needs ${shards} shards, more than the ${MAX_SHARDS} the functions take`);
  const ingestEventsPerSecond = shards * STATE_CHANGES_PER_SHARD;
  return {
    fleetSize,
    stormEventsPerSecond,
    shards,
    ingestEventsPerSecond,
    ingestThrottle: { rateLimit: ingestEventsPerSecond, burstLimit: ingestEventsPerSecond },
    queueConsumers: Math.max(MIN_QUEUE_CONSUMERS, Math.ceil(ingestEventsPerSecond / EVENTS_PER_QUEUE_CONSUMER_PER_SECOND)),
    warmThroughput: warmThroughputFor(stormEventsPerSecond),
  };
}
