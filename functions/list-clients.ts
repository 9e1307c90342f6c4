/** Lambda handler of the list routes: clients (by page or cursor), broker nodes and the OpenAPI document, on every surface. */
import { loadOpenapiJson } from './chunks.js';
import { listNodes } from './clients/list-nodes.js';
import { listSessions } from './clients/list-clients.js';
import { loadListConfig } from './config.js';
import { dialectHandler } from './api/dialect-handler.js';
import { listParserOf } from './dialects/list-parsers.js';
import { logger, metrics } from './http/observability.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';

const config = loadListConfig();
const store = new SessionStore(createDocumentClient(config), config);

export const handler = dialectHandler('list', logger, metrics, async ({ event, route, dialect, deadline }) => {
  if (route.action === 'openapiDocument') return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: (await loadOpenapiJson()).openapiJson() };
  if (route.action === 'listNodes') return dialect.renderNodes(await listNodes(store));
  const parseList = await listParserOf(route.surface);
  const request = parseList(event.rawQueryString, event.pathParameters ?? {}, route.action);
  const now = Date.now();
  // The walk's budget, and in any case time left to fetch the page's items and answer.
  const walkUntil = Math.min(now + config.listBudgetMs, deadline - 2_000);
  const page = await listSessions({ store, cursorSecret: config.cursorSecret, now, walkUntil }, request.query);
  return dialect.renderList(page, request);
});
