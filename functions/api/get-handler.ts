/** The single-client reads (a client, a username's clients, a client's subscriptions) on every surface, over the deps given. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseClientId } from '../clients/client-id.js';
import { findSession, findSessionsOfUsername, findSubscriptions } from '../clients/get-client.js';
import type { TableConfig } from '../config.js';
import { dialectHandler } from './dialect-handler.js';
import type { Observability } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SessionStore } from '../sessions/store.js';

export type GetDeps = Observability & { store: SessionStore };

export function getHandler(deps: GetDeps) {
  const { store } = deps;
  return dialectHandler('get', deps.logger, deps.metrics, async ({ event, route, dialect }) => {
    const params = event.pathParameters ?? {};
    const scope = { node: params.node, now: Date.now() };
    switch (route.action) {
      case 'getClientsByUsername':
        return dialect.renderClients(await findSessionsOfUsername(store, parseClientId(params.username, 'username'), scope));
      case 'getSubscriptions': {
        const { session, topics } = await findSubscriptions(store, parseClientId(params.clientid), scope);
        return dialect.renderSubscriptions(session, topics);
      }
      default:
        return dialect.renderClient(await findSession(store, parseClientId(params.clientid), scope));
    }
  });
}

/** The get function's deps from its configuration; `db` defaults to a client of the configured endpoint. */
export function getDepsOf(config: TableConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): GetDeps {
  return { ...observed, store: new SessionStore(db, config) };
}
