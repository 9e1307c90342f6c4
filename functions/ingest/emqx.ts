/** The deps of `POST /ingest/emqx` (EMQX 5's rule-engine HTTP action, EMQX 4.4's WebHook plugin) from the function's configuration. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmqxIngestConfig } from '../config.js';
import type { Observability } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SourceWriter } from '../sessions/source-writer.js';
import { parseEmqxWebhook } from '../sources/emqx/webhook.js';
import { stopWritesOnAbort } from './apply-batch.js';
import { ingestTokenSource } from './bearer-token.js';
import type { IngestDeps } from './handlers.js';

/** `db` defaults to a client of the configured endpoint. */
export function emqxIngestDepsOf(config: EmqxIngestConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): IngestDeps {
  return { ...observed, writer: new SourceWriter(stopWritesOnAbort(db), config), token: ingestTokenSource(config.ingestToken), parse: parseEmqxWebhook };
}
