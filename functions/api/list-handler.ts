/** The list routes (clients by page or cursor, broker nodes, the OpenAPI document) on every surface, over the deps given. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadOpenapiJson } from '../chunks.js';
import { listSessions } from '../clients/list-clients.js';
import { listNodes } from '../clients/list-nodes.js';
import type { ListConfig } from '../config.js';
import { dialectHandler } from './dialect-handler.js';
import { listParserOf } from '../dialects/list-parsers.js';
import type { Observability } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SessionStore } from '../sessions/store.js';

export type ListDeps = Observability & {
  store: SessionStore;
  cursorSecret: string;
  /** How long a list walks an index before it answers the rows found so far. */
  listBudgetMs: number;
};

/** Time kept back from the request's deadline to fetch the page's items and answer. */
const PAGE_FILL_MARGIN_MS = 2_000;

export function listHandler(deps: ListDeps) {
  const { store, cursorSecret } = deps;
  return dialectHandler('list', deps.logger, deps.metrics, async ({ event, route, dialect, deadline }) => {
    if (route.action === 'openapiDocument') return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: (await loadOpenapiJson()).openapiJson() };
    if (route.action === 'listNodes') return dialect.renderNodes(await listNodes(store));
    if (route.action === 'getNode') {
      if (!dialect.renderNode) throw new Error(`the ${route.surface} surface has no route for one node`);
      return dialect.renderNode(event.pathParameters?.node ?? '', await listNodes(store));
    }
    const parseList = await listParserOf(route.surface);
    const request = parseList(event.rawQueryString, event.pathParameters ?? {}, route.action);
    const now = Date.now();
    // The walk's budget, and in any case time left to fetch the page's items and answer.
    const walkUntil = Math.min(now + deps.listBudgetMs, deadline - PAGE_FILL_MARGIN_MS);
    const page = await listSessions({ store, cursorSecret, now, walkUntil }, request.query);
    return dialect.renderList(page, request);
  });
}

/** The list function's deps from its configuration; `db` defaults to a client of the configured endpoint. */
export function listDepsOf(config: ListConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): ListDeps {
  return { ...observed, store: new SessionStore(db, config), cursorSecret: config.cursorSecret, listBudgetMs: config.listBudgetMs };
}
