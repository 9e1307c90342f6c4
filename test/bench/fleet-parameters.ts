/**
 * The deployment's sizing as the benches model it, in one function: what the
 * stack's default `fleetSize` sets (infra/aws/fleet-sizing.ts).
 */
import { BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import { MAX_BATCH } from '../../functions/ingest/request.js';
import { DEFAULT_FLEET_SIZE, fleetSizing } from '../../infra/aws/fleet-sizing.js';

export type FleetParameters = {
  /** Devices the deployment is sized for. */
  fleetSize: number;
  /** Counter and index partitions per state (functions/sessions/keys.ts shardOf). */
  sessionShards: number;
  /** The ingest route's API Gateway throttle, requests per second. */
  ingestRateLimit: number;
  /** Events per ingest request (a batching EMQX 5 action; 1 without batching). */
  eventsPerRequest: number;
  /** The table's warm throughput, write units per second; undefined: on-demand's initial 4,000. */
  warmWriteUnitsPerSecond: number | undefined;
  /** The table's warm throughput, read units per second; undefined: on-demand's initial 12,000. */
  warmReadUnitsPerSecond: number | undefined;
  /** Each warmed index's warm throughput, write units per second, by index name; an index not named starts at 4,000. */
  indexWarmWriteUnitsPerSecond: Record<string, number>;
  /** Lambda concurrency the account gives the ingest functions (account default 1,000, shared). */
  lambdaConcurrency: number;
  /** Clients one invocation stores at once. */
  batchConcurrency: number;
  /** Events per SQS-fed invocation at most. */
  sqsBatchSize: number;
};

export function fleetParameters(fleetSize: number = DEFAULT_FLEET_SIZE): FleetParameters {
  const sizing = fleetSizing(fleetSize);
  return {
    fleetSize,
    sessionShards: sizing.shards,
    ingestRateLimit: sizing.ingestThrottle.rateLimit,
    eventsPerRequest: 1,
    warmWriteUnitsPerSecond: sizing.warmThroughput?.writeUnitsPerSecond,
    warmReadUnitsPerSecond: sizing.warmThroughput?.readUnitsPerSecond,
    indexWarmWriteUnitsPerSecond: Object.fromEntries(Object.entries(sizing.indexWarmThroughput).map(([name, warm]) => [name, warm.writeUnitsPerSecond])),
    lambdaConcurrency: 1_000,
    batchConcurrency: BATCH_CONCURRENCY,
    sqsBatchSize: MAX_BATCH,
  };
}
