/**
 * The deployment's sizing as the benches model it, in one function: what the
 * stack's default `fleetSize` sets (infra/aws/fleet-sizing.ts).
 */
import { BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import { MAX_BATCH } from '../../functions/ingest/request.js';
import { DEFAULT_FLEET_SIZE, fleetSizing } from '../../infra/aws/fleet-sizing.js';

export type FleetParameters = {
  /** Counter and index partitions per state (functions/sessions/keys.ts shardOf). */
  sessionShards: number;
  /** The ingest route's API Gateway throttle, requests per second. */
  ingestRateLimit: number;
  /** Events per ingest request (a batching EMQX 5 action; 1 without batching). */
  eventsPerRequest: number;
  /** Table-level warm throughput, write units per second; undefined: on-demand's initial 4,000. */
  warmWriteUnitsPerSecond: number | undefined;
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
    sessionShards: sizing.shards,
    ingestRateLimit: sizing.ingestThrottle.rateLimit,
    eventsPerRequest: 1,
    warmWriteUnitsPerSecond: sizing.warmThroughput?.writeUnitsPerSecond,
    lambdaConcurrency: 1_000,
    batchConcurrency: BATCH_CONCURRENCY,
    sqsBatchSize: MAX_BATCH,
  };
}
