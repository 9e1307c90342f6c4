/**
 * The stand-in's calls on one client beside list, lookup and kick, answered
 * as each dialect answers them:
 *
 * - EMQX 4.4: `GET`/`DELETE /api/v4/clients/{id}/acl_cache` → `{code:0,
 *   data:[{access, topic, result, updated_time}]}` / `{code:0}`;
 *   `POST /api/v4/mqtt/subscribe` `{clientid, topic, qos}` and
 *   `/mqtt/unsubscribe` `{clientid, topic}` → `{code:0}`; a client not held:
 *   HTTP 200 `{code:112}` (emqx_mgmt_api_clients.erl:205-217,
 *   emqx_mgmt_api_pubsub.erl:184-240).
 * - EMQX 5.8: `GET`/`DELETE /api/v5/clients/{id}/authorization/cache` → 200
 *   the entries / 204; `POST /api/v5/clients/{id}/subscribe` `{topic, qos}` →
 *   200 the subscription, `/unsubscribe` `{topic}` → 204; a client not held:
 *   404 `CLIENTID_NOT_FOUND` (emqx_mgmt_api_clients.erl:238-335,1233-1320).
 *
 * The local broker authorizes every client and keeps no ACL cache, so the
 * cache of a client it holds is always empty.
 */
import type { ServerResponse } from 'node:http';
import type { EmqxBackend } from './rest-api.js';
import type { ClientAction } from './rest-route.js';

type Reply = (status: number, body?: unknown) => void;

export async function clientAction(
  backend: EmqxBackend,
  request: { dialect: 'v5' | 'v4'; clientid: string | undefined; action: ClientAction; method: string; body: string },
  response: ServerResponse,
): Promise<void> {
  const reply: Reply = (status, body) => {
    if (body === undefined) return void response.writeHead(status).end();
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  const v4 = request.dialect === 'v4';
  const notHeld = () => (v4 ? reply(200, { code: 112, message: request.action === 'acl_cache' ? 'not_found' : 'channel_not_found' }) : reply(404, { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' }));
  const expected = request.action === 'acl_cache' ? ['GET', 'DELETE'] : ['POST'];
  if (!expected.includes(request.method)) return reply(405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' });
  let body: Record<string, unknown> = {};
  if (request.method === 'POST') {
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return v4 ? reply(200, { code: 108, message: 'bad_params' }) : reply(400, { code: 'BAD_REQUEST', message: 'invalid JSON body' });
    }
  }
  const clientid = request.clientid ?? (typeof body.clientid === 'string' ? body.clientid : undefined);
  if (clientid === undefined) return reply(200, { code: 108, message: 'bad clientid: must be string' });
  switch (request.action) {
    case 'acl_cache': {
      if (!backend.clients().some((client) => client.clientid === clientid && client.connected)) return notHeld();
      if (request.method === 'GET') return v4 ? reply(200, { code: 0, data: [] }) : reply(200, []);
      return v4 ? reply(200, { code: 0 }) : reply(204);
    }
    case 'subscribe': {
      const topic = typeof body.topic === 'string' ? body.topic : undefined;
      const qos = body.qos === 1 || body.qos === 2 ? body.qos : 0;
      if (topic === undefined) return v4 ? reply(200, { code: 115, message: 'bad_topic' }) : reply(400, { code: 'BAD_REQUEST', message: 'topic is required' });
      if (!(await backend.subscribe?.(clientid, topic, qos))) return notHeld();
      return v4 ? reply(200, { code: 0 }) : reply(200, { topic, qos, nl: 0, rap: 0, rh: 0, clientid, node: backend.node ?? '' });
    }
    case 'unsubscribe': {
      const topic = typeof body.topic === 'string' ? body.topic : undefined;
      if (topic === undefined) return v4 ? reply(200, { code: 115, message: 'bad_topic' }) : reply(400, { code: 'BAD_REQUEST', message: 'topic is required' });
      if (!(await backend.unsubscribe?.(clientid, topic))) return notHeld();
      return v4 ? reply(200, { code: 0 }) : reply(204);
    }
  }
}
