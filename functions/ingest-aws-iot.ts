/**
 * Lambda handler for AWS IoT Core lifecycle events. In AWS an IoT topic rule
 * invokes it (asynchronously) with the event itself; locally, and wherever a
 * token is configured, the same events come as `POST /ingest/aws-iot`.
 */
import { loadAwsIotIngestConfig } from './config.js';
import { logger, metrics } from './http/observability.js';
import { ingestTokenSource } from './ingest/bearer-token.js';
import { ingestRoute } from './ingest/handlers.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import type { SourceEvent } from './sessions/source-events.js';
import { SourceWriter } from './sessions/source-writer.js';
import { parseAwsIotEvent, type AwsIotOptions } from './sources/aws-iot/lifecycle.js';

const config = loadAwsIotIngestConfig();
const writer = new SourceWriter(createDocumentClient(config), config);
const options: AwsIotOptions = {
  node: config.node,
  sessionExpirySeconds: config.sessionExpirySeconds,
  persistentSessions: config.persistentSessions,
};
const parse = (body: unknown): SourceEvent[] => parseAwsIotEvent(body, options);

const httpIngest = ingestRoute({
  writer,
  token: config.ingestToken ? ingestTokenSource(config.ingestToken) : undefined,
  parse,
  logger,
  metrics,
});

const isHttpEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;

export const handler = async (event: unknown) => {
  if (isHttpEvent(event)) return httpIngest(event);
  let events: SourceEvent[];
  try {
    events = parse(event);
  } catch (error) {
    // Sending it again would not make it readable: log it and let it go.
    logger.error('unreadable AWS IoT event dropped', { error: error as Error, event: JSON.stringify(event).slice(0, 2000) });
    return;
  }
  // A failure is thrown: Lambda retries an asynchronous invocation, and every event is safe to apply twice.
  for (const sourceEvent of events) await writer.apply(sourceEvent);
};
