/**
 * AWS prices the cost bench multiplies by (us-east-1), each with the date it
 * was read and where: /work/shared/spec/capacity.md keeps the sources. Change
 * a price here and `npm run bench:cost` refreshes every figure built on it.
 */
export const PRICES_REGION = 'us-east-1';
export const PRICES_DATE = '2026-12-07';

const PER_MILLION = 1e-6;

export const PRICES = {
  /** DynamoDB on-demand, per write / read request unit. */
  dynamoWriteUnit: 0.625 * PER_MILLION,
  dynamoReadUnit: 0.125 * PER_MILLION,
  /** DynamoDB Standard storage, per GB-month. */
  dynamoStorageGbMonth: 0.25,
  /** Lambda arm64, per request and per GB-second. */
  lambdaRequest: 0.2 * PER_MILLION,
  lambdaGbSecond: 0.0000133334,
  /** API Gateway HTTP API, per request (first 300M a month). */
  httpApiRequest: 1.0 * PER_MILLION,
  /** Lambda function URL: nothing beyond the function's own requests and duration. */
  functionUrlRequest: 0,
  /** SQS standard, per request (up to 10 messages, 64 KB chunks). */
  sqsRequest: 0.4 * PER_MILLION,
  /** IoT Core rules engine: per rule triggered and per action run. */
  iotRuleTriggered: 0.15 * PER_MILLION,
  iotRuleAction: 0.15 * PER_MILLION,
  /** IoT Device Management fleet indexing, per index update. */
  iotFleetIndexUpdate: 2.25 * PER_MILLION,
  /** CloudWatch Logs ingestion, per GB (standard class, first tier). */
  logsIngestedGb: 0.5,
} as const;

export type Prices = typeof PRICES;

/** What the bench shows beside each figure. */
export const TARGETS = {
  dollarsPerMillionEvents: 2.25,
  aimDollarsPerMillionEvents: 1.5,
  writeUnitsPerStateChange: 3,
  /** AWS IoT fleet indexing's connectivity index, the managed alternative, per million state changes. */
  fleetIndexingPerMillion: PRICES.iotFleetIndexUpdate * 1e6,
} as const;
