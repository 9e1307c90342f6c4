/** `POST /ingest/emqx` as API Gateway hands it to the ingest function. */
import { gatewayEvent } from '../../infra/local/api/gateway-event.js';

/** The bearer token of the ingest functions the tests build. */
export const TEST_INGEST_TOKEN = 'ingest-token-0123456789abcdef';

/** `body` as JSON (a string as it is); `authorization` null sends none. */
export function ingestPost(body: unknown, authorization: string | null) {
  return gatewayEvent({
    method: 'POST',
    routeKey: 'POST /ingest/emqx',
    rawPath: '/ingest/emqx',
    rawQueryString: '',
    headers: { host: 'localhost', 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    protocol: 'HTTP/1.1',
    sourceIp: '127.0.0.1',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** An EMQX 5 `client.connected` event of a clean MQTT 5 session, as its rule's HTTP action posts it. */
export const emqxConnectedBody = (clientid: string, connectedAt: number) => ({
  event: 'client.connected',
  clientid,
  username: 'u',
  peername: '10.0.0.9:50123',
  sockname: '10.0.0.1:1883',
  proto_name: 'MQTT',
  proto_ver: 5,
  keepalive: 60,
  clean_start: true,
  expiry_interval: 0,
  is_bridge: false,
  mountpoint: 'undefined',
  connected_at: connectedAt,
  node: 'emqx@10.0.0.1',
  timestamp: connectedAt,
});
