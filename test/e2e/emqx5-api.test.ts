/**
 * EMQX 5.8 compatibility of `/api/v5`, black box: real MQTT clients on the
 * local broker, HTTP calls to the local API with the app's Basic
 * credentials. Each case names the emqx/emqx tag v5.8.9 source line it
 * follows (apps/emqx_management/src/emqx_mgmt_api_clients.erl unless another
 * file is named).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MqttClients, closed, startE2eStack, type E2eStack } from './local-stack.js';

type Json = Record<string, unknown>;
type Answer = { status: number; headers: Headers; text: string; json: () => unknown };

let stack: E2eStack;
const clients = new MqttClients(() => stack.mqttUrl);
const NODE = 'e2e@127.0.0.1';
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

beforeAll(async () => {
  stack = await startE2eStack({ node: NODE });
});
afterEach(() => clients.closeAll());
afterAll(() => stack?.close());

async function v5(path: string, init: { method?: string; body?: unknown; authorization?: string } = {}): Promise<Answer> {
  const basic = `Basic ${Buffer.from(`${stack.app.appId}:${stack.app.appSecret}`).toString('base64')}`;
  const response = await fetch(`${stack.apiUrl}/api/v5${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: init.authorization ?? basic, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

const page = async (query: string) => {
  const answer = await v5(`/clients?${query}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.json() as { data: Json[]; meta: Json };
};
const ids = (data: Json[]) => data.map((c) => c.clientid as string).sort();

/** Waits until `/api/v5/clients/{clientid}` shows the client and `ready` holds (the broker writes the table asynchronously). */
async function shown(clientid: string, ready: (client: Json) => boolean = () => true): Promise<Json> {
  let found: Json | undefined;
  await expect
    .poll(
      async () => {
        const answer = await v5(`/clients/${encodeURIComponent(clientid)}`);
        found = answer.status === 200 ? (answer.json() as Json) : undefined;
        return found !== undefined && ready(found);
      },
      { timeout: 5000, interval: 50 },
    )
    .toBe(true);
  return found!;
}

describe('EMQX 5.8 /api/v5 surface', () => {
  it('l.528-702 fields(client), l.1838-1873 format_channel_info/3, l.1217-1223 lookup/1: one object with 5.x names and RFC 3339 times', async () => {
    const client = await clients.connect({ clientId: 'v5-one', username: 'v5-user', protocolVersion: 5, properties: { sessionExpiryInterval: 60 }, clean: false });
    await client.subscribeAsync('v5/one/#', { qos: 1 });
    const shownClient = await shown('v5-one', (c) => c.subscriptions_cnt === 1);
    expect(shownClient).toMatchObject({
      clientid: 'v5-one',
      username: 'v5-user',
      node: NODE,
      connected: true,
      proto_name: 'MQTT',
      proto_ver: 5,
      clean_start: false,
      expiry_interval: 60,
      ip_address: expect.any(String),
      port: expect.any(Number),
      inflight_cnt: expect.any(Number),
      inflight_max: expect.any(Number),
      mqueue_max: expect.any(Number),
      subscriptions_max: expect.any(Number),
      awaiting_rel_cnt: expect.any(Number),
      awaiting_rel_max: expect.any(Number),
      is_expired: false,
      durable: false,
      subscriptions_cnt: 1,
    });
    expect(shownClient.connected_at).toMatch(RFC3339_MS);
    expect(shownClient.created_at).toMatch(RFC3339_MS);
    // 4.x names and fields 5.x dropped are not shown (l.1945-1975 with_client_info_fields(all)).
    for (const gone of ['inflight', 'max_inflight', 'max_subscriptions', 'zone', 'conn_state', 'disconnected_at']) expect(shownClient).not.toHaveProperty(gone);
    expect(Array.isArray(shownClient)).toBe(false);
  });

  it('l.98-101,1217-1220: an unknown client is 404 {"code":"CLIENTID_NOT_FOUND","message":"Client ID not found"}', async () => {
    const answer = await v5('/clients/v5-nobody');
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
  });

  it('emqx_dashboard_swagger.erl:191-202,242-243: page and limit paging, meta {page, limit, hasnext, count}', async () => {
    for (const id of ['v5-page-a', 'v5-page-b', 'v5-page-c']) await clients.connect({ clientId: id });
    await shown('v5-page-c');
    await expect.poll(async () => (await page('like_clientid=v5-page-')).data.length, { timeout: 5000, interval: 50 }).toBe(3);
    const first = await page('like_clientid=v5-page-&limit=2');
    expect(first.meta).toEqual({ page: 1, limit: 2, hasnext: true });
    const second = await page('like_clientid=v5-page-&limit=2&page=2');
    expect(second.meta).toEqual({ page: 2, limit: 2, hasnext: false });
    expect(ids([...first.data, ...second.data])).toEqual(['v5-page-a', 'v5-page-b', 'v5-page-c']);
    // fields(count), l.211-218: without a filter the count is exact, so it is there.
    await stack.settleCounters();
    const all = await page('limit=1');
    expect(all.meta).toMatchObject({ page: 1, limit: 1, count: expect.any(Number) });
    expect(all.meta.count as number).toBeGreaterThanOrEqual(3);
  });

  it('emqx_dashboard_swagger.erl:202,378: limit above 10000, page 0 or a conn_state of no state are 400 BAD_REQUEST', async () => {
    for (const query of ['limit=10001', 'page=0', 'conn_state=sleeping', 'fields=clientid,zone', 'gte_created_at=yesterday']) {
      const answer = await v5(`/clients?${query}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(answer.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
    }
    expect((await v5('/clients?limit=10000')).status).toBe(200);
  });

  it('l.78-94 ?CLIENT_QSCHEMA, l.951-958: an ip_address or proto_ver that does not convert is 400 INVALID_PARAMETER', async () => {
    const ip = await v5('/clients?ip_address=10.0.0');
    expect(ip.status).toBe(400);
    expect(ip.json()).toEqual({ code: 'INVALID_PARAMETER', message: 'the ip_address parameter expected type is ip, but the value is 10.0.0' });
    const ver = await v5('/clients?proto_ver=five');
    expect(ver.status).toBe(400);
    expect(ver.json()).toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('l.425-433,441-472,507-515: repeatable clientid and username, conn_state, proto_ver, like_username', async () => {
    await clients.connect({ clientId: 'v5-f-a', username: 'v5-tenant-a', protocolVersion: 4 });
    await clients.connect({ clientId: 'v5-f-b', username: 'v5-tenant-b', protocolVersion: 5 });
    await clients.connect({ clientId: 'v5-f-c', username: 'v5-tenant-c', protocolVersion: 4 });
    await shown('v5-f-c');
    await shown('v5-f-b');
    await shown('v5-f-a');
    expect(ids((await page('clientid=v5-f-a&clientid=v5-f-c')).data)).toEqual(['v5-f-a', 'v5-f-c']);
    expect(ids((await page('username=v5-tenant-b&username=v5-tenant-c')).data)).toEqual(['v5-f-b', 'v5-f-c']);
    expect(ids((await page('like_username=v5-tenant-&proto_ver=5')).data)).toEqual(['v5-f-b']);
    expect(ids((await page('like_clientid=v5-f-&conn_state=connected')).data)).toEqual(['v5-f-a', 'v5-f-b', 'v5-f-c']);
    expect((await page('like_clientid=v5-f-&conn_state=disconnected')).data).toEqual([]);
  });

  it('l.473-506 and emqx_utils_calendar.erl:99-114: created/connected ranges in epoch milliseconds or RFC 3339', async () => {
    const before = Date.now() - 1;
    await clients.connect({ clientId: 'v5-time' });
    const client = await shown('v5-time');
    const connectedAt = Date.parse(client.connected_at as string);
    expect(Math.abs(connectedAt - Date.now())).toBeLessThan(60_000);
    expect(ids((await page(`like_clientid=v5-time&gte_created_at=${before}`)).data)).toEqual(['v5-time']);
    expect(ids((await page(`like_clientid=v5-time&gte_connected_at=${encodeURIComponent(client.connected_at as string)}`)).data)).toEqual(['v5-time']);
    expect((await page(`like_clientid=v5-time&lte_connected_at=${connectedAt - 1}`)).data).toEqual([]);
  });

  it('l.824-848,1976-1977 fields=: only the fields asked for', async () => {
    await clients.connect({ clientId: 'v5-fields', username: 'v5-fields-user' });
    await shown('v5-fields');
    const lean = await page('clientid=v5-fields&fields=clientid,username,connected,created_at');
    expect(lean.data).toEqual([{ clientid: 'v5-fields', username: 'v5-fields-user', connected: true, created_at: expect.stringMatching(RFC3339_MS) }]);
    const counters = await page('clientid=v5-fields&fields=clientid,recv_oct,inflight_cnt');
    expect(counters.data).toEqual([{ clientid: 'v5-fields', recv_oct: expect.any(Number), inflight_cnt: expect.any(Number) }]);
  });

  it('l.966-1042 list_clients_v2: cursor pages with meta {count: rows of this page, cursor}; no cursor on the last page', async () => {
    for (let i = 0; i < 5; i++) await clients.connect({ clientId: `v5-cur-${i}` });
    await expect.poll(async () => (await page('like_clientid=v5-cur-')).data.length, { timeout: 5000, interval: 50 }).toBe(5);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await v5(`/clients_v2?like_clientid=v5-cur-&limit=2&fields=clientid${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status, answer.text).toBe(200);
      const body = answer.json() as { data: Json[]; meta: Json };
      expect(body.meta.count).toBe(body.data.length);
      expect(Object.keys(body.meta).sort()).toEqual(body.meta.cursor === undefined ? ['count'] : ['count', 'cursor']);
      seen.push(...body.data.map((c) => c.clientid as string));
      cursor = body.meta.cursor as string | undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['v5-cur-0', 'v5-cur-1', 'v5-cur-2', 'v5-cur-3', 'v5-cur-4']);
  });

  it('l.969-975: a cursor that does not parse is 400 {"code":"BAD_REQUEST","message":"bad cursor"}', async () => {
    for (const bad of ['not-a-cursor', 'eyJ2IjoxfQ.AAAA']) {
      const answer = await v5(`/clients_v2?cursor=${bad}`);
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ code: 'BAD_REQUEST', message: 'bad cursor' });
    }
  });

  it('l.1225-1231 kickout/1: DELETE answers 204 with no body and the connection ends; then 404 CLIENTID_NOT_FOUND', async () => {
    const client = await clients.connect({ clientId: 'v5-kick' });
    await shown('v5-kick');
    const gone = closed(client);
    const answer = await v5('/clients/v5-kick', { method: 'DELETE' });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    await gone;
    await expect.poll(async () => (await v5('/clients/v5-kick')).status, { timeout: 5000, interval: 50 }).toBe(404);
    const again = await v5('/clients/v5-kick', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.json()).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
  });

  it('l.191-206,855-862 kickout_clients/2: POST /clients/kickout/bulk answers 204, unknown clientids included; the connections end', async () => {
    const a = await clients.connect({ clientId: 'v5-bulk-a' });
    const b = await clients.connect({ clientId: 'v5-bulk-b' });
    await shown('v5-bulk-a');
    await shown('v5-bulk-b');
    const ended = Promise.all([closed(a), closed(b)]);
    const answer = await v5('/clients/kickout/bulk', { method: 'POST', body: ['v5-bulk-a', 'v5-bulk-b', 'v5-bulk-nobody'] });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    await ended;
    const invalid = await v5('/clients/kickout/bulk', { method: 'POST', body: { clientid: 'x' } });
    expect(invalid.status).toBe(400);
    // emqx_dashboard_swagger.erl:369-378: a body the schema refuses is BAD_REQUEST.
    expect(invalid.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('the native POST /clients/kickout/bulk reports each clientid\'s outcome where /api/v5 answers 204', async () => {
    const a = await clients.connect({ clientId: 'v5-native-bulk' });
    await shown('v5-native-bulk');
    const gone = closed(a);
    const basic = `Basic ${Buffer.from(`${stack.app.appId}:${stack.app.appSecret}`).toString('base64')}`;
    const response = await fetch(`${stack.apiUrl}/clients/kickout/bulk`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify(['v5-native-bulk', 'v5-native-nobody']),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { code: number; data: Array<{ clientid: string; outcome: string }> };
    expect(body.code).toBe(0);
    expect(body.data).toContainEqual({ clientid: 'v5-native-nobody', outcome: 'not-found' });
    expect(['kicked', 'pending']).toContain(body.data.find((r) => r.clientid === 'v5-native-bulk')?.outcome);
    await gone;
  });

  it('emqx_mgmt_api_subscriptions.erl:78-91,174-191 and l.894-906: [{node, topic, clientid, qos, nl, rap, rh, durable}]; 404 for an unknown client', async () => {
    const client = await clients.connect({ clientId: 'v5-subs' });
    await client.subscribeAsync({ 'v5/subs/a': { qos: 0 }, 'v5/subs/b': { qos: 2 } });
    await shown('v5-subs', (c) => c.subscriptions_cnt === 2);
    let subs: Json[] = [];
    await expect
      .poll(async () => (subs = (await v5('/clients/v5-subs/subscriptions')).json() as Json[]).length, { timeout: 5000, interval: 50 })
      .toBe(2);
    expect(subs.sort((x, y) => String(x.topic).localeCompare(String(y.topic)))).toEqual([
      { node: NODE, topic: 'v5/subs/a', clientid: 'v5-subs', qos: 0, nl: 0, rap: 0, rh: 0, durable: false },
      { node: NODE, topic: 'v5/subs/b', clientid: 'v5-subs', qos: 2, nl: 0, rap: 0, rh: 0, durable: false },
    ]);
    const unknown = await v5('/clients/v5-nobody/subscriptions');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
  });

  it('emqx_mgmt_api_nodes.erl:62-92,149-260 and emqx_mgmt.erl:143-168 node_info: GET /nodes and /nodes/{node} with the counts the table knows', async () => {
    await clients.connect({ clientId: 'v5-node' });
    await shown('v5-node');
    let nodes: Json[] = [];
    await expect
      .poll(async () => (nodes = (await v5('/nodes')).json() as Json[]).find((n) => n.node === NODE)?.live_connections, { timeout: 5000, interval: 50 })
      .toBeGreaterThanOrEqual(1);
    const node = nodes.find((n) => n.node === NODE)!;
    expect(Object.keys(node).sort()).toEqual(['cluster_sessions', 'connections', 'live_connections', 'node', 'node_status']);
    expect(node).toMatchObject({ node: NODE, node_status: 'running' });
    expect(node.connections as number).toBeGreaterThanOrEqual(node.live_connections as number);
    // ?CHAN_REG_TAB is cluster-wide: every node shows the sessions of all.
    const cluster = nodes.reduce((sum, n) => sum + (n.connections as number), 0);
    expect(nodes.every((n) => n.cluster_sessions === cluster)).toBe(true);
    const one = await v5(`/nodes/${encodeURIComponent(NODE)}`);
    expect(one.status).toBe(200);
    expect(one.json()).toMatchObject({ node: NODE, node_status: 'running', connections: expect.any(Number), live_connections: expect.any(Number) });
    // emqx_utils_api.erl:27,34-40 with_node/2.
    const unknown = await v5('/nodes/nobody%40127.0.0.1');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ code: 'NOT_FOUND', message: 'Node not found: nobody@127.0.0.1' });
  });

  it('an unknown /api/v5 path answers 404 with a string code, as every /api/v5 error', async () => {
    for (const path of ['/nodes/x/metrics', '/no-such-thing']) {
      const answer = await v5(path);
      expect(answer.status, path).toBe(404);
      expect(answer.json(), path).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining(path) });
    }
  });
});
