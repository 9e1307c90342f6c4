/**
 * Defaults and fixed limits of {@link ClientsApi}'s props, in one place
 * (exported for tests and documentation).
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { AwsIotDelivery } from '../../functions/config.js';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../../functions/http/observability.js';
import { ADMIN_REQUESTS_PER_SECOND, DEFAULT_FLEET_SIZE, fleetSizing } from './fleet-sizing.js';

/** What the default fleet size sets (fleet-sizing.ts). */
const DEFAULT_FLEET = fleetSizing(DEFAULT_FLEET_SIZE);

/** Defaults of the props, exported for tests and documentation. */
export const CLIENTS_API_DEFAULTS = {
  controlTopicPrefix: 'clients-api/control',
  kickConfirmTimeoutMs: 3000,
  fleetSize: DEFAULT_FLEET_SIZE,
  // Both follow fleetSize unless given (fleet-sizing.ts); these are the default fleet's values.
  sessionShards: DEFAULT_FLEET.shards,
  throttle: { rateLimit: ADMIN_REQUESTS_PER_SECOND, burstLimit: 200 },
  // A storm beyond it waits in EMQX 5's retries of the 429.
  ingestThrottle: DEFAULT_FLEET.ingestThrottle,
  memorySize: 512,
  // The functions' own defaults: a stack that sets none and a function that reads none agree.
  serviceName: DEFAULT_SERVICE_NAME,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  brokerTimeoutMs: 3000,
  awsIotSessionExpirySeconds: 3600,
  // The rules' batched HTTP action: $1.90 per million events against $2.48 through SQS (bench-results/cost.md).
  awsIotDelivery: 'http' as AwsIotDelivery,
  appCredentialsCacheSeconds: 60,
} as const;

/** Defaults of the alarm thresholds (ClientsApiMonitoring). */
export const MONITORING_DEFAULTS = {
  reconcileDriftThreshold: 100,
  apiServerErrorRatePercent: 1,
  apiP99LatencyMs: 3000,
  ingestClientErrorRatePercent: 1,
} as const;

/** Defaults that are CDK objects (built on use: a Schedule is not a constant). */
export const defaultLogRetention = (): logs.RetentionDays => logs.RetentionDays.ONE_MONTH;
export const defaultSweepSchedule = (): events.Schedule => events.Schedule.rate(Duration.minutes(1));
export const defaultReconcileSchedule = (): events.Schedule => events.Schedule.rate(Duration.minutes(5));

/**
 * Time the kick function gets beyond the confirm wait: secret fetch, TLS
 * connect to the broker, publish and its PUBACK, plus a cold start.
 */
export const KICK_TIMEOUT_MARGIN_SECONDS = 7;

/** API Gateway ends an HTTP API integration after 30 s; a longer Lambda timeout is useless. */
export const MAX_API_FUNCTION_TIMEOUT_SECONDS = 29;

/** Lambda's memory limits, in MiB. */
export const LAMBDA_MEMORY_RANGE = { min: 128, max: 10240 } as const;

/** What API Gateway takes as a route's throttle: its account limits are higher only by a quota increase. */
export const THROTTLE_RANGE = { rateLimit: { min: 1, max: 100_000 }, burstLimit: { min: 1, max: 100_000 } } as const;

/** How long app-credentials decisions may be reused in all, in seconds. */
export const APP_CREDENTIALS_CACHE_RANGE = { min: 0, max: 3600 } as const;
