/** Lambda handler: POST /ingest/emqx, the EMQX 5 rule-engine HTTP action and the EMQX 4.4 WebHook plugin. */
import { loadEmqxIngestConfig } from './config.js';
import { logger, metrics } from './http/observability.js';
import { ingestTokenSource } from './ingest/bearer-token.js';
import { ingestRoute } from './ingest/handlers.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SourceWriter } from './sessions/source-writer.js';
import { parseEmqxWebhook } from './sources/emqx/webhook.js';

const config = loadEmqxIngestConfig();

export const handler = ingestRoute({
  writer: new SourceWriter(createDocumentClient(config), config),
  token: ingestTokenSource(config.ingestToken),
  parse: parseEmqxWebhook,
  logger,
  metrics,
});
