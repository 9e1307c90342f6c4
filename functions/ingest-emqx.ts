/** Lambda handler: POST /ingest/emqx, the EMQX 5 rule-engine HTTP action and the EMQX 4.4 WebHook plugin. */
import { loadEmqxIngestConfig } from './config.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { authorizeIngest, ingestTokenSource } from './ingest/bearer-token.js';
import { ingestWithin, jsonBodies, noContent } from './ingest/request.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SourceWriter } from './sessions/source-writer.js';
import { parseEmqxWebhook } from './sources/emqx/webhook.js';

const config = loadEmqxIngestConfig();
const writer = new SourceWriter(createDocumentClient(config), config);
const token = ingestTokenSource(config.ingestToken);

export const handler = httpHandler(logger, async (event) => {
  await authorizeIngest(event.headers.authorization, token);
  const receivedAt = Date.now();
  // Parsed whole before anything is written: a bad event in a batch stores none of it.
  const events = jsonBodies(event).flatMap((body) => parseEmqxWebhook(body, receivedAt));
  await ingestWithin(async () => {
    // In order: a batch holds one client's events in the order they happened.
    for (const sourceEvent of events) await writer.apply(sourceEvent);
  });
  return noContent();
}, metrics);
