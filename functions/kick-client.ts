/** Lambda handler: DELETE /clients/{clientid}, through the kick channel KICK_VIA names. */
import { parseClientId } from './clients/client-id.js';
import { kickClient } from './clients/kick-client.js';
import { loadKickConfig } from './config.js';
import { controlChannelFor } from './control/select-channel.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { jsonResponse } from './http/response.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';
import { SessionWriter } from './sessions/writer.js';

const config = loadKickConfig();
const db = createDocumentClient(config);
const store = new SessionStore(db, config);
// Kept across warm invocations: one broker connection (or HTTP client) per function instance.
const channel = controlChannelFor(config);
// Only a broker that can answer "no such client" leads to a write.
const writer = config.via === 'mqtt' ? undefined : new SessionWriter(db, config);

export const handler = httpHandler(logger, async (event) => {
  const clientid = parseClientId(event.pathParameters?.clientid);
  const outcome = await kickClient(
    { store, channel, confirmTimeoutMs: config.confirmTimeoutMs, now: Date.now, ...(writer ? { writer } : {}) },
    clientid,
  );
  return jsonResponse(outcome.status, outcome.body);
}, metrics);
