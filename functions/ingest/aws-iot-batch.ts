/**
 * AWS IoT lifecycle events from the topic rules' batched HTTP action, at the
 * ingest function's URL (the `http` delivery, infra/aws/brokers/aws-iot-http.ts).
 * A batch arrives as a JSON array of what the rule's SQL selected, one
 * element per event (https://docs.aws.amazon.com/iot/latest/developerguide/http_batching.html).
 *
 * The answer tells the rule what to do with the whole batch: 2xx once every
 * event is stored or can never be (unreadable or unstorable events are
 * logged and counted, as the queue does); 503 when a write failed for a
 * reason that may pass, so that the action retries and then hands the batch
 * to its error action, the stack's dead-letter queue. Events applied twice
 * are safe: the writer is idempotent.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ApiError } from '../http/errors.js';
import { httpHandler, type InvocationContext } from '../http/handler.js';
import type { HttpResponse } from '../http/response.js';
import type { SourceEvent } from '../sessions/source-events.js';
import { InvalidEventError } from '../sources/invalid-event.js';
import { applyBatch } from './apply-batch.js';
import { authorizeIngest } from './bearer-token.js';
import { confirmDestination, isDestinationConfirmation, readConfirmation, type UrlFetcher } from './destination-confirmation.js';
import { frameLogger, publishingAddedMetrics, type IngestDeps } from './handlers.js';
import { UNREADABLE_METRIC } from './queue.js';
import { ingestWithin, jsonBodies, noContent } from './request.js';

/**
 * Time the batch is given before the answer is 503. AWS IoT gives up on a
 * request after a few seconds and retries it (an action error quoted at
 * https://repost.aws/questions/QUETcHkxMKSjKYyQIuVXyVVg reads "Request
 * timeout … after 4000 ms after 2 retries"): answering first makes the retry
 * one of ours, with nothing of the batch still being written.
 */
export const AWS_IOT_BATCH_DEADLINE_MS = 2_500;

export type AwsIotBatchDeps = IngestDeps & {
  /** The function's region: a destination confirmation must name it. */
  region: string;
  /** How the destination's enable URL is fetched (tests give their own). */
  fetchUrl?: UrlFetcher;
};

/**
 * The events of `bodies` that can be read; the others are logged and
 * counted, and dropped: sending them again would not make them readable.
 */
export function readableEvents(deps: IngestDeps, bodies: readonly unknown[]): SourceEvent[] {
  const receivedAt = Date.now();
  const events: SourceEvent[] = [];
  let unreadable = 0;
  for (const body of bodies) {
    try {
      events.push(...deps.parse(body, receivedAt));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      unreadable += 1;
      deps.logger.error('unreadable AWS IoT event dropped', { error, event: JSON.stringify(body).slice(0, 2000) });
    }
  }
  if (unreadable > 0) deps.metrics?.addMetric(UNREADABLE_METRIC, MetricUnit.Count, unreadable);
  return events;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function awsIotBatchRoute(deps: AwsIotBatchDeps): (event: unknown, context?: InvocationContext) => Promise<HttpResponse> {
  const handle = httpHandler(frameLogger(deps.logger), async (event) => {
    if (isDestinationConfirmation(event)) {
      const confirmation = readConfirmation(event, deps.region);
      await confirmDestination(confirmation, deps.fetchUrl);
      deps.logger.warn('topic rule destination confirmed', { arn: confirmation.arn });
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 0, message: 'destination confirmed' }) };
    }
    if (!deps.token) throw new ApiError(404, 404, 'this deployment takes AWS IoT events from its queue, not over HTTP');
    await authorizeIngest(event.headers.authorization, deps.token);
    const bodies = jsonBodies(event);
    // The rule sends objects only: anything else is not a batch of its.
    if (!bodies.every(isObject)) throw new InvalidEventError('body', 'a JSON array of AWS IoT lifecycle events');
    const events = readableEvents(deps, bodies);
    // Unstorable events are logged and counted by applyBatch; any other failure answers 503.
    await ingestWithin((signal) => applyBatch(deps, events, signal), deps.deadlineMs ?? AWS_IOT_BATCH_DEADLINE_MS);
    return noContent();
  });
  return publishingAddedMetrics(handle, deps.metrics);
}
