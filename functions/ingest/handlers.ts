/**
 * The ingest routes over whatever writer and token source they are given:
 * the Lambda handler files wire them to their configuration, tests to a
 * document client with faults or capacity accounting in its stack.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ApiError } from '../http/errors.js';
import { httpHandler } from '../http/handler.js';
import type { HttpResponse } from '../http/response.js';
import type { SourceEvent } from '../sessions/source-events.js';
import type { SourceWriter } from '../sessions/source-writer.js';
import { authorizeIngest } from './bearer-token.js';
import { ingestWithin, jsonBodies, noContent } from './request.js';

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

/** `POST /ingest/<source>`: bearer token, JSON body (one event or an array), events applied in order, 204. */
export function ingestRoute(deps: IngestDeps): (event: unknown) => Promise<HttpResponse> {
  return httpHandler(
    deps.logger,
    async (event) => {
      if (!deps.token) throw new ApiError(404, 404, 'this deployment takes these events from its own trigger only, not over HTTP');
      await authorizeIngest(event.headers.authorization, deps.token);
      const receivedAt = Date.now();
      // Parsed whole before anything is written: a bad event in a batch stores none of it.
      const events = jsonBodies(event).flatMap((body) => deps.parse(body, receivedAt));
      await ingestWithin(async () => {
        // In order: a batch holds one client's events in the order they happened.
        for (const sourceEvent of events) await deps.writer.apply(sourceEvent);
      }, deps.deadlineMs);
      return noContent();
    },
    deps.metrics,
  );
}
