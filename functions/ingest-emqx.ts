/** Lambda handler: POST /ingest/emqx, the EMQX 5 rule-engine HTTP action and the EMQX 4.4 WebHook plugin. */
import { loadEmqxIngestConfig } from './config.js';
import { observability } from './http/observability.js';
import { emqxIngestDepsOf } from './ingest/emqx.js';
import { ingestRoute } from './ingest/handlers.js';

export const handler = ingestRoute(emqxIngestDepsOf(loadEmqxIngestConfig(), observability(process.env)));
