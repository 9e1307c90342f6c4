/**
 * What the cost and storm benches assume where nothing runs here to measure
 * (Lambda's billed time, an access-log line, the counter aggregator), and the
 * delivery paths they price. The reports print every assumption.
 */
import { BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import { IOT_HTTP_BATCH } from '../../infra/aws/brokers/aws-iot-http.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';
import type { Assumptions, DeliveryPath } from './cost-model.js';
import { fleetParameters } from './fleet-parameters.js';

export const ASSUMPTIONS: Assumptions = {
  lambdaMemoryGb: CLIENTS_API_DEFAULTS.memorySize / 1024,
  roundTripMs: 8,
  invocationOverheadMs: 3,
  batchConcurrency: BATCH_CONCURRENCY,
  accessLogLineBytes: 450,
  logEventOverheadBytes: 26,
  aggregatorRecordsPerBatch: 100,
  aggregatorInvocationMs: 30,
  sqsPollRequestsPerMessage: 0.2,
};

export const PATHS: DeliveryPath[] = [
  { name: 'EMQX 5 → API Gateway HTTP API', source: 'emqx', front: 'http-api', batchSize: 1 },
  { name: 'EMQX 5 → API Gateway HTTP API', source: 'emqx', front: 'http-api', batchSize: 100 },
  { name: 'EMQX 5 → function URL', source: 'emqx', front: 'function-url', batchSize: 1 },
  { name: 'EMQX 5 → function URL', source: 'emqx', front: 'function-url', batchSize: 100 },
  { name: 'AWS IoT → rule → Lambda (async)', source: 'aws', front: 'iot-rule-lambda', batchSize: 1 },
  { name: 'AWS IoT → rule → SQS → Lambda', source: 'aws', front: 'iot-rule-sqs', batchSize: 10 },
  { name: 'AWS IoT → rule → SQS → Lambda', source: 'aws', front: 'iot-rule-sqs', batchSize: fleetParameters().sqsBatchSize },
  // A fleet too quiet for a second event within the rule's batching window.
  { name: 'AWS IoT → rule → HTTP batch of 1 → function URL', source: 'aws', front: 'iot-rule-http-batch', batchSize: 1 },
  {
    name: 'AWS IoT → rule → HTTP batch of 10 → function URL',
    source: 'aws',
    front: 'iot-rule-http-batch',
    batchSize: IOT_HTTP_BATCH.maxBatchSize,
    maxBatchBytes: IOT_HTTP_BATCH.maxBatchSizeBytes,
  },
];

