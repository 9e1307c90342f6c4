/**
 * Lambda handler for AWS IoT Core lifecycle events. In AWS an IoT topic rule
 * invokes it (asynchronously) with the event itself; locally, and wherever a
 * token is configured, the same events come as `POST /ingest/aws-iot`.
 */
import { loadAwsIotIngestConfig } from './config.js';
import { ApiError } from './http/errors.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { authorizeIngest, ingestTokenSource } from './ingest/bearer-token.js';
import { ingestWithin, jsonBodies, noContent } from './ingest/request.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import type { SourceEvent } from './sessions/source-events.js';
import { SourceWriter } from './sessions/source-writer.js';
import { parseAwsIotEvent, type AwsIotOptions } from './sources/aws-iot/lifecycle.js';

const config = loadAwsIotIngestConfig();
const writer = new SourceWriter(createDocumentClient(config), config);
const token = config.ingestToken ? ingestTokenSource(config.ingestToken) : undefined;
const options: AwsIotOptions = {
  node: config.node,
  sessionExpirySeconds: config.sessionExpirySeconds,
  persistentSessions: config.persistentSessions,
};

async function applyAll(events: SourceEvent[]): Promise<void> {
  for (const sourceEvent of events) await writer.apply(sourceEvent);
}

const httpIngest = httpHandler(logger, async (event) => {
  if (!token) throw new ApiError(404, 404, 'this deployment takes AWS IoT events from its topic rule only');
  await authorizeIngest(event.headers.authorization, token);
  const events = jsonBodies(event).flatMap((body) => parseAwsIotEvent(body, options));
  await ingestWithin(() => applyAll(events));
  return noContent();
}, metrics);

const isHttpEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;

export const handler = async (event: unknown) => {
  if (isHttpEvent(event)) return httpIngest(event);
  let events: SourceEvent[];
  try {
    events = parseAwsIotEvent(event, options);
  } catch (error) {
    // Sending it again would not make it readable: log it and let it go.
    logger.error('unreadable AWS IoT event dropped', { error: error as Error, event: JSON.stringify(event).slice(0, 2000) });
    return;
  }
  // A failure is thrown: Lambda retries an asynchronous invocation, and every event is safe to apply twice.
  await applyAll(events);
};
