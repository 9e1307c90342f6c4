/** Lambda handler: DELETE /clients/{clientid}. */
import { parseClientId } from './clients/client-id.js';
import { kickClient } from './clients/kick-client.js';
import { loadControlConfig } from './config.js';
import { credentialsSource } from './control/credentials.js';
import { MqttControlChannel } from './control/mqtt-channel.js';
import { httpHandler } from './http/handler.js';
import { logger, metrics } from './http/observability.js';
import { jsonResponse } from './http/response.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionStore } from './sessions/store.js';

const config = loadControlConfig();
const store = new SessionStore(createDocumentClient(config), config);
// Kept across warm invocations: one broker connection per function instance.
const channel = new MqttControlChannel({
  url: config.brokerUrl,
  topicPrefix: config.topicPrefix,
  timeoutMs: config.pubackTimeoutMs,
  credentials: credentialsSource(config),
});

export const handler = httpHandler(logger, async (event) => {
  const clientid = parseClientId(event.pathParameters?.clientid);
  const outcome = await kickClient(
    { store, channel, confirmTimeoutMs: config.confirmTimeoutMs, now: Date.now },
    clientid,
  );
  return jsonResponse(outcome.status, outcome.body);
}, metrics);
