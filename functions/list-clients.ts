/** Lambda handler: GET /clients. */
import { listClients } from './clients/list-clients.js';
import { parseClientQuery } from './clients/query-params.js';
import { loadListConfig } from './config.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { jsonResponse } from './http/response.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';

const config = loadListConfig();
const store = new SessionStore(createDocumentClient(config), config);

export const handler = httpHandler(logger, async (event) => {
  const query = parseClientQuery(event.rawQueryString);
  const result = await listClients({ store, cursorSecret: config.cursorSecret, now: Date.now() }, query);
  return jsonResponse(200, result);
}, metrics);
