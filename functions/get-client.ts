/** Lambda handler: GET /clients/{clientid}. */
import { parseClientId } from './clients/client-id.js';
import { getClient } from './clients/get-client.js';
import { loadTableConfig } from './config.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { jsonResponse } from './http/response.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';

const config = loadTableConfig();
const store = new SessionStore(createDocumentClient(config), config);

export const handler = httpHandler(logger, async (event) => {
  const clientid = parseClientId(event.pathParameters?.clientid);
  return jsonResponse(200, await getClient(store, clientid, Date.now()));
}, metrics);
