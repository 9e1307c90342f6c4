/** Lambda handler of the kick routes (one client, or a list of them), through the kick channel KICK_VIA names. */
import { kickClients, parseClientIdList } from './clients/bulk-kick.js';
import { parseClientId } from './clients/client-id.js';
import { kickClient, type KickContext } from './clients/kick-client.js';
import { loadKickConfig } from './config.js';
import { isFailure } from './failures.js';
import { controlChannelFor } from './control/select-channel.js';
import { dialectHandler, requestBody } from './api/dialect-handler.js';
import { logger, metrics } from './http/observability.js';
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
const context: KickContext = { store, channel, confirmTimeoutMs: config.confirmTimeoutMs, now: Date.now, ...(writer ? { writer } : {}) };

export const handler = dialectHandler('kick', logger, metrics, async ({ event, route, dialect, deadline }) => {
  if (route.action === 'kickClients') {
    return dialect.renderBulkKick(await kickClients({ ...context, deadline }, parseClientIdList(requestBody(event))));
  }
  const clientid = parseClientId(event.pathParameters?.clientid);
  try {
    return dialect.renderKick((await kickClient({ ...context, deadline }, clientid)).status === 200 ? 'kicked' : 'pending');
  } catch (error) {
    if (isFailure(error, 'client-not-found')) return dialect.renderKick('not-found');
    throw error;
  }
});
