/**
 * The deployment's sizing as the benches model it, in one function: the
 * stack's defaults today (infra/aws/defaults.ts). When a fleet-size setting
 * sizes the stack, this is the one place to read it from.
 */
import { BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import { MAX_BATCH } from '../../functions/ingest/request.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';

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

export function fleetParameters(): FleetParameters {
  return {
    sessionShards: CLIENTS_API_DEFAULTS.sessionShards,
    ingestRateLimit: CLIENTS_API_DEFAULTS.ingestThrottle.rateLimit,
    eventsPerRequest: 1,
    warmWriteUnitsPerSecond: undefined,
    lambdaConcurrency: 1_000,
    batchConcurrency: BATCH_CONCURRENCY,
    sqsBatchSize: MAX_BATCH,
  };
}
