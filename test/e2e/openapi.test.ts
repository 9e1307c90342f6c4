/**
 * The OpenAPI document against the running local stack: served at
 * GET /openapi.json as built, and every route of every surface answering
 * real requests (with real MQTT clients behind them) in a body the
 * document's schema for that route and status accepts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildOpenApiDocument } from '../../functions/api/openapi.js';
import { API_ROUTES, routeKeyOf } from '../../functions/api/routes.js';
import { responseChecker } from '../functions/api/openapi-schemas.js';
import { apiClient, MqttClients, startE2eStack, type E2eStack } from './local-stack.js';

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);
const document = buildOpenApiDocument();
const checker = responseChecker(document);

beforeAll(async () => {
  stack = await startE2eStack();
  api = apiClient(stack);
  const live = await clients.connect({ clientId: 'oa-live', username: 'olga', clean: true });
  await live.subscribeAsync('oa/#', { qos: 1 });
  await clients.connect({ clientId: 'oa-v5', username: 'olga', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 600 } });
  const offline = await clients.connect({ clientId: 'oa-offline', clean: false });
  await offline.endAsync();
  await clients.connect({ clientId: 'oa-kick-native', clean: true });
  await clients.connect({ clientId: 'oa-kick-v4', clean: true });
  await clients.connect({ clientId: 'oa-kick-v5', clean: true });
  await vi.waitFor(
    async () => {
      const body = (await api.list('_like_clientid=oa-')).body;
      const ready = body.data.length === 6 && body.data.some((c) => c.clientid === 'oa-offline' && !c.connected) && body.data.some((c) => c.subscriptions_cnt === 1);
      if (!ready) throw new Error('the clients are not all listed yet');
    },
    { timeout: 10_000, interval: 100 },
  );
});
afterAll(async () => {
  await clients.closeAll();
  await stack?.close();
});

type Call = { route: string; path: string; method?: string; body?: string; authorization?: string | null };

const NODE = encodeURIComponent('e2e@127.0.0.1');

/** Requests covering every route, with answers of each documented kind (found, not found, refused). */
const CALLS: Call[] = [
  { route: 'GET /openapi.json', path: '/openapi.json' },
  { route: 'GET /clients', path: '/clients' },
  { route: 'GET /clients', path: '/clients?_limit=2' },
  { route: 'GET /clients', path: '/clients?fields=clientid,connected,disconnected_at&_like_clientid=oa-' },
  { route: 'GET /clients', path: '/clients?conn_state=disconnected' },
  { route: 'GET /clients', path: '/clients?_limit=0' },
  { route: 'GET /clients', path: '/clients', authorization: null },
  { route: 'GET /clients/{clientid}', path: '/clients/oa-live' },
  { route: 'GET /clients/{clientid}', path: '/clients/oa-offline' },
  { route: 'GET /clients/{clientid}', path: '/clients/nobody' },
  { route: 'GET /clients/{clientid}/subscriptions', path: '/clients/oa-live/subscriptions' },
  { route: 'GET /clients/{clientid}/subscriptions', path: '/clients/nobody/subscriptions' },
  { route: 'GET /nodes', path: '/nodes' },
  { route: 'DELETE /clients/{clientid}', path: '/clients/nobody', method: 'DELETE' },
  { route: 'DELETE /clients/{clientid}', path: '/clients/oa-kick-native', method: 'DELETE' },
  { route: 'POST /clients/kickout/bulk', path: '/clients/kickout/bulk', method: 'POST', body: '["nobody","another"]' },
  { route: 'POST /clients/kickout/bulk', path: '/clients/kickout/bulk', method: 'POST', body: '[]' },

  { route: 'GET /api/v4/clients', path: '/api/v4/clients' },
  { route: 'GET /api/v4/clients', path: '/api/v4/clients?_limit=2&_page=2' },
  { route: 'GET /api/v4/clients', path: '/api/v4/clients?fields=clientid,recv_msg.qos1' },
  { route: 'GET /api/v4/clients', path: '/api/v4/clients?_limit=abc' },
  { route: 'GET /api/v4/clients/{clientid}', path: '/api/v4/clients/oa-v5' },
  { route: 'GET /api/v4/clients/{clientid}', path: '/api/v4/clients/nobody' },
  { route: 'GET /api/v4/clients/username/{username}', path: '/api/v4/clients/username/olga' },
  { route: 'GET /api/v4/nodes', path: '/api/v4/nodes' },
  { route: 'GET /api/v4/nodes/{node}/clients', path: `/api/v4/nodes/${NODE}/clients?conn_state=connected` },
  { route: 'GET /api/v4/nodes/{node}/clients/{clientid}', path: `/api/v4/nodes/${NODE}/clients/oa-live` },
  { route: 'GET /api/v4/nodes/{node}/clients/username/{username}', path: `/api/v4/nodes/${NODE}/clients/username/olga` },
  { route: 'GET /api/v4/subscriptions/{clientid}', path: '/api/v4/subscriptions/oa-live' },
  { route: 'GET /api/v4/nodes/{node}/subscriptions/{clientid}', path: `/api/v4/nodes/${NODE}/subscriptions/oa-live` },
  { route: 'DELETE /api/v4/clients/{clientid}', path: '/api/v4/clients/oa-kick-v4', method: 'DELETE' },
  { route: 'DELETE /api/v4/clients/{clientid}', path: '/api/v4/clients/nobody', method: 'DELETE' },
  // This stack's broker (KICK_VIA=mqtt) has no management API: 501.
  { route: 'GET /api/v4/clients/{clientid}/acl_cache', path: '/api/v4/clients/oa-live/acl_cache' },
  { route: 'DELETE /api/v4/clients/{clientid}/acl_cache', path: '/api/v4/clients/oa-live/acl_cache', method: 'DELETE' },
  { route: 'POST /api/v4/mqtt/subscribe', path: '/api/v4/mqtt/subscribe', method: 'POST', body: '{"clientid":"oa-live","topic":"t"}' },
  { route: 'POST /api/v4/mqtt/unsubscribe', path: '/api/v4/mqtt/unsubscribe', method: 'POST', body: '{"clientid":"oa-live","topic":"t"}' },

  { route: 'GET /api/v5/clients', path: '/api/v5/clients?limit=2' },
  { route: 'GET /api/v5/clients', path: '/api/v5/clients?fields=clientid,connected,disconnected_at' },
  { route: 'GET /api/v5/clients', path: '/api/v5/clients?limit=abc' },
  { route: 'GET /api/v5/clients_v2', path: '/api/v5/clients_v2?limit=2' },
  { route: 'GET /api/v5/clients_v2', path: '/api/v5/clients_v2?cursor=not-a-cursor' },
  { route: 'GET /api/v5/clients/{clientid}', path: '/api/v5/clients/oa-v5' },
  { route: 'GET /api/v5/clients/{clientid}', path: '/api/v5/clients/nobody' },
  { route: 'GET /api/v5/clients/{clientid}/subscriptions', path: '/api/v5/clients/oa-live/subscriptions' },
  { route: 'GET /api/v5/clients/{clientid}/subscriptions', path: '/api/v5/clients/nobody/subscriptions' },
  { route: 'DELETE /api/v5/clients/{clientid}', path: '/api/v5/clients/oa-kick-v5', method: 'DELETE' },
  { route: 'DELETE /api/v5/clients/{clientid}', path: '/api/v5/clients/nobody', method: 'DELETE' },
  { route: 'POST /api/v5/clients/kickout/bulk', path: '/api/v5/clients/kickout/bulk', method: 'POST', body: '["nobody"]' },
  { route: 'POST /api/v5/clients/kickout/bulk', path: '/api/v5/clients/kickout/bulk', method: 'POST', body: '{"not":"a list"}' },
  { route: 'GET /api/v5/nodes', path: '/api/v5/nodes' },
  { route: 'GET /api/v5/nodes/{node}', path: `/api/v5/nodes/${NODE}` },
  { route: 'GET /api/v5/nodes/{node}', path: '/api/v5/nodes/nobody' },
];

async function call({ path, method = 'GET', body, authorization }: Call) {
  const basic = `Basic ${Buffer.from(`${stack.app.appId}:${stack.app.appSecret}`).toString('base64')}`;
  const headers: Record<string, string> = authorization === null ? {} : { authorization: authorization ?? basic };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('the OpenAPI document and the running API', () => {
  it('is served at GET /openapi.json as built', async () => {
    const { status, body } = await call({ route: 'GET /openapi.json', path: '/openapi.json' });
    expect(status).toBe(200);
    expect(body).toEqual(document);
  });

  it('the calls below reach every route', () => {
    expect(new Set(CALLS.map((c) => c.route))).toEqual(new Set(API_ROUTES.map(routeKeyOf)));
  });

  it('every answer conforms to the schema of its route and status', async () => {
    const seen: string[] = [];
    for (const c of CALLS) {
      const [, template] = c.route.split(' ');
      const { status, body } = await call(c);
      seen.push(`${c.method ?? 'GET'} ${c.path} ${status}`);
      expect(checker.errors(template!, c.method ?? 'GET', status, body), `${c.method ?? 'GET'} ${c.path}`).toEqual([]);
    }
    // The answers were of every documented kind, not only successes.
    expect(seen).toEqual(expect.arrayContaining([expect.stringMatching(/ 401$/), expect.stringMatching(/ 404$/), expect.stringMatching(/ 400$/), expect.stringMatching(/ 204$/)]));
    expect(seen.some((s) => /^DELETE \/clients\/oa-kick-native (200|202)$/.test(s))).toBe(true);
    // Dozens of calls in sequence, each through the whole local stack: the default timeout is for one call.
  }, 120_000);
});
