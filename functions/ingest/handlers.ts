/**
 * The ingest routes over whatever writer and token source they are given:
 * the Lambda handler files wire them to their configuration, tests to a
 * document client with faults or capacity accounting in its stack.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ApiError } from '../http/errors.js';
import { httpHandler, type InvocationContext } from '../http/handler.js';
import { publishAddedMetrics } from '../http/observability.js';
import type { HttpResponse } from '../http/response.js';
import type { SourceEvent } from '../sessions/source-events.js';
import type { SourceWriter } from '../sessions/source-writer.js';
import { authorizeIngest } from './bearer-token.js';
import { applyBatch } from './apply-batch.js';
import { ingestWithin, jsonBodies, noContent, UnstorableEventsError } from './request.js';

export type IngestDeps = {
  writer: SourceWriter;
  /** The token senders must present; undefined refuses every HTTP request. */
  token: (() => Promise<string>) | undefined;
  /** One request body → the source events it stands for (throws InvalidEventError). */
  parse: (body: unknown, receivedAt: number) => SourceEvent[];
  logger: Logger;
  metrics?: Metrics;
  deadlineMs?: number;
};

/**
 * The request frame's logger: warnings and errors only. A broker sends one
 * request per event unless it batches, so an INFO line per request would be
 * one per event; API Gateway's access log and its 4xx/5xx metrics already
 * tell every request's outcome.
 */
export function frameLogger(logger: Logger): Logger {
  return ['DEBUG', 'INFO'].includes(logger.getLevelName()) ? logger.createChild({ logLevel: 'WARN' }) : logger;
}

/**
 * `POST /ingest/<source>`: bearer token, JSON body (one event or an array),
 * 204 once stored; 422 when some events can never be stored (the rest is).
 * No outcome metric per request (an EMF line per event at batch size 1):
 * only metrics the batch added are written.
 */
export function ingestRoute(deps: IngestDeps): (event: unknown, context?: InvocationContext) => Promise<HttpResponse> {
  const handle = httpHandler(
    frameLogger(deps.logger),
    async (event) => {
      if (!deps.token) throw new ApiError(404, 404, 'this deployment takes these events from its own trigger only, not over HTTP');
      await authorizeIngest(event.headers.authorization, deps.token);
      const receivedAt = Date.now();
      // Parsed whole before anything is written: a bad event in a batch stores none of it.
      const events = jsonBodies(event).flatMap((body) => deps.parse(body, receivedAt));
      // Each client's events in batch order: a batch holds them in the order they happened.
      const unstorable = await ingestWithin((signal) => applyBatch(deps, events, signal), deps.deadlineMs);
      if (unstorable.length > 0) throw new UnstorableEventsError(unstorable.map((error) => error.message));
      return noContent();
    },
  );
  return publishingAddedMetrics(handle, deps.metrics);
}

/** The handler, writing after each request the metrics it added, and nothing when it added none. */
export function publishingAddedMetrics<E, C, R>(handle: (event: E, context?: C) => Promise<R>, metrics: IngestDeps['metrics']): (event: E, context?: C) => Promise<R> {
  return async (event, context) => {
    try {
      return await handle(event, context);
    } finally {
      publishAddedMetrics(metrics);
    }
  };
}
