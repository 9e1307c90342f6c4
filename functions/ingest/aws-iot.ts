/**
 * AWS IoT Core lifecycle events. In AWS the IoT topic rules send them to an
 * SQS queue the function consumes (queue.ts), or post them in batches to its
 * URL (aws-iot-batch.ts); an event invoked directly (the rules' former Lambda
 * action, a replay) is still taken. Locally, and wherever a token is
 * configured, the same events come as `POST /ingest/aws-iot`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import type { AwsIotDelivery, AwsIotIngestConfig } from '../config.js';
import type { HttpResponse } from '../http/response.js';
import type { Observability } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SourceWriter } from '../sessions/source-writer.js';
import { parseAwsIotEvent } from '../sources/aws-iot/lifecycle.js';
import { applyBatch, stopWritesOnAbort } from './apply-batch.js';
import { ingestTokenSource } from './bearer-token.js';
import { publishAddedMetrics } from '../http/observability.js';
import { ingestRoute } from './handlers.js';
import { isQueueEvent, queueIngestHandler } from './queue.js';
import { awsIotBatchRoute, readableEvents, type AwsIotBatchDeps } from './aws-iot-batch.js';
import { eventsOfErrorAction, isErrorActionDocument } from './error-action-replay.js';

/** The deps of the handler: with `delivery: 'http'`, HTTP requests are the topic rules' batches. */
export type AwsIotIngestDeps = AwsIotBatchDeps & { delivery: AwsIotDelivery };

const isHttpEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;

/**
 * HTTP requests (the rules' batches at the function URL, or `POST /ingest/aws-iot`),
 * the queue's batches; anything else is an event an IoT rule sent, or an
 * error action's document replayed from the dead-letter queue.
 */
export function awsIotIngestHandler(deps: AwsIotIngestDeps): (event: unknown) => Promise<HttpResponse | SQSBatchResponse | undefined> {
  const httpIngest = deps.delivery === 'http' ? awsIotBatchRoute(deps) : ingestRoute(deps);
  const queueIngest = queueIngestHandler(deps);
  return async (event) => {
    if (isHttpEvent(event)) return httpIngest(event);
    if (isQueueEvent(event)) return queueIngest(event);
    // A replay of the dead-letter queue hands over the error action's document as it is.
    const events = readableEvents(deps, isErrorActionDocument(event) ? eventsOfErrorAction(event) : [event]);
    // A failure is thrown: Lambda retries an asynchronous invocation, and every event is safe to apply twice.
    // An event that can never be stored is not: it is logged and counted, not thrown.
    await applyBatch(deps, events);
    publishAddedMetrics(deps.metrics);
    return undefined;
  };
}

/** `db` defaults to a client of the configured endpoint. */
export function awsIotIngestDepsOf(config: AwsIotIngestConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): AwsIotIngestDeps {
  const options = { node: config.node, sessionExpirySeconds: config.sessionExpirySeconds, persistentSessions: config.persistentSessions };
  return {
    ...observed,
    writer: new SourceWriter(stopWritesOnAbort(db), config),
    token: config.ingestToken ? ingestTokenSource(config.ingestToken) : undefined,
    parse: (body) => parseAwsIotEvent(body, options),
    delivery: config.delivery,
    region: config.region,
  };
}
