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
