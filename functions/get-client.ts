/** Lambda handler of the single-client reads: a client, a username's clients, a client's subscriptions. */
import { parseClientId } from './clients/client-id.js';
import { findSession, findSessionsOfUsername, findSubscriptions } from './clients/get-client.js';
import { loadTableConfig } from './config.js';
import { dialectHandler } from './api/dialect-handler.js';
import { logger, metrics } from './http/observability.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';

const config = loadTableConfig();
const store = new SessionStore(createDocumentClient(config), config);

export const handler = dialectHandler('get', logger, metrics, async ({ event, route, dialect }) => {
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
