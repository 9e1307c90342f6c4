/**
 * EMQX 4.4 compatibility of `/api/v4`, black box: real MQTT clients on the
 * local broker, HTTP calls to the local API. Each case names the EMQX 4.4
 * source it follows (emqx/emqx tag v4.4.19; paths under
 * apps/emqx_management/src unless they start with src/).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QOS_COUNTER_FIELDS } from '../../functions/sessions/model.js';
import { apiClient, MqttClients, closed, startE2eStack, type E2eStack } from './local-stack.js';

type V4Body = { code: number; message?: string; data?: Array<Record<string, unknown>>; meta?: Record<string, unknown> };

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);
const NODE = 'e2e@127.0.0.1';

beforeAll(async () => {
  stack = await startE2eStack({ node: NODE });
  api = apiClient(stack);
});
afterEach(() => clients.closeAll());
afterAll(() => stack?.close());

const v4 = (path: string, method = 'GET') => api.request<V4Body>(method, `/api/v4${path}`);
const ids = (body: V4Body) => (body.data ?? []).map((c) => c.clientid).sort();

/** Waits until the API lists `clientid` (the broker writes the table asynchronously). */
async function listed(clientid: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await expect
    .poll(async () => (found = (await v4(`/clients/${encodeURIComponent(clientid)}`)).body.data?.[0]), { timeout: 5000, interval: 50 })
    .toBeDefined();
  return found!;
}

describe('EMQX 4.4 /api/v4 surface', () => {
  it('emqx_mgmt_api_clients.erl:46 path "/clients/": GET /api/v4/clients/ with a trailing slash lists clients', async () => {
    await clients.connect({ clientId: 'v4-slash' });
    await listed('v4-slash');
    const response = await v4('/clients/?_limit=1000');
    expect(response.status).toBe(200);
    expect(ids(response.body)).toContain('v4-slash');
  });

  it('emqx_mgmt_api_clients.erl:455 ms(proto_name): an MQTT 3.1 client is proto_name MQIsdp, and the filter finds it', async () => {
    await clients.connect({ clientId: 'v4-mqtt31', protocolId: 'MQIsdp', protocolVersion: 3 });
    await clients.connect({ clientId: 'v4-mqtt311', protocolVersion: 4 });
    expect(await listed('v4-mqtt31')).toMatchObject({ proto_name: 'MQIsdp', proto_ver: 3 });
    expect(await listed('v4-mqtt311')).toMatchObject({ proto_name: 'MQTT', proto_ver: 4 });
    const mqisdp = (await v4('/clients?proto_name=MQIsdp&_like_clientid=v4-mqtt3')).body;
    expect(ids(mqisdp)).toEqual(['v4-mqtt31']);
    const unknown = await v4('/clients?proto_name=MQTT5&_like_clientid=v4-');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ code: 0, data: [], meta: { count: -1, hasnext: false } });
  });

  it('emqx_mgmt_api_clients.erl:325 format_channel_info and src/emqx_channel.erl:141 ?CHANNEL_METRICS: the per-QoS counters, counted', async () => {
    const subscriber = await clients.connect({ clientId: 'v4-qos-sub' });
    await subscriber.subscribeAsync('v4/qos/#', { qos: 2 });
    const publisher = await clients.connect({ clientId: 'v4-qos-pub' });
    await publisher.publishAsync('v4/qos/a', 'zero', { qos: 0 });
    await publisher.publishAsync('v4/qos/a', 'one', { qos: 1 });
    await publisher.publishAsync('v4/qos/a', 'two', { qos: 2 });
    await expect
      .poll(async () => (await v4('/clients/v4-qos-pub')).body.data?.[0]?.['recv_msg.qos2'], { timeout: 5000, interval: 100 })
      .toBe(1);
    const pub = (await v4('/clients/v4-qos-pub')).body.data![0]!;
    expect(pub).toMatchObject({ 'recv_msg.qos0': 1, 'recv_msg.qos1': 1, 'recv_msg.qos2': 1, recv_msg: 3 });
    await expect
      .poll(async () => (await v4('/clients/v4-qos-sub')).body.data?.[0]?.['send_msg.qos2'], { timeout: 5000, interval: 100 })
      .toBe(1);
    const sub = (await v4('/clients/v4-qos-sub')).body.data![0]!;
    expect(sub).toMatchObject({ 'send_msg.qos0': 1, 'send_msg.qos1': 1, 'send_msg.qos2': 1 });
    for (const field of QOS_COUNTER_FIELDS) expect(typeof sub[field]).toBe('number');
    // The native surface shows the spec's object only.
    expect((await api.get('v4-qos-sub')).body.data[0]).not.toHaveProperty('recv_msg.qos0');
  });

  it('src/emqx_cm.erl:425-429 kick_session of an unknown client is ok: DELETE answers HTTP 200 {"code":0}', async () => {
    const response = await v4('/clients/v4-nobody', 'DELETE');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0 });
    const native = await api.kick('v4-nobody');
    expect(native.status).toBe(404);
  });

  it('emqx_mgmt_api_clients.erl:198 kickout: a known client is kicked, {"code":0}', async () => {
    const client = await clients.connect({ clientId: 'v4-kicked' });
    await listed('v4-kicked');
    const gone = closed(client);
    const response = await v4('/clients/v4-kicked', 'DELETE');
    expect(response.status).toBe(200);
    expect(response.body.code).toBe(0);
    await gone;
  });

  it('fields= (an extension): only the fields asked for, on /api/v4 and natively', async () => {
    const client = await clients.connect({ clientId: 'v4-fields', clean: false });
    await listed('v4-fields');
    await client.endAsync();
    await expect.poll(async () => (await listed('v4-fields')).connected, { timeout: 5000, interval: 50 }).toBe(false);
    // A walk of the index alone (every field asked for is in it), an offline session included.
    const lean = (await v4('/clients?_like_clientid=v4-fields&fields=clientid,node')).body;
    expect(lean.data).toEqual([{ clientid: 'v4-fields', node: NODE }]);
    const counters = (await v4('/clients?clientid=v4-fields&fields=clientid,recv_msg.dropped.expired,send_msg.qos1')).body;
    expect(counters.data).toEqual([{ clientid: 'v4-fields', 'recv_msg.dropped.expired': 0, 'send_msg.qos1': expect.any(Number) }]);
    const v4Page = (await v4('/clients?clientid=v4-fields&fields=clientid,node,connected_at')).body;
    expect(v4Page.data).toEqual([{ clientid: 'v4-fields', node: NODE, connected_at: expect.any(String) }]);
    const native = (await api.list('clientid=v4-fields&fields=clientid,recv_oct')).body;
    expect(native.data).toEqual([{ clientid: 'v4-fields', recv_oct: expect.any(Number) }]);
  });

  it('fields= naming a field the client object does not have is refused as any bad parameter: HTTP 200 {"code":108} on /api/v4, 400 natively', async () => {
    for (const query of ['fields=bogus', 'fields=clientid,conn_state']) {
      const v4Answer = await v4(`/clients?${query}`);
      expect(v4Answer.status, query).toBe(200);
      expect(v4Answer.body, query).toEqual({ code: 108, message: expect.stringMatching(/fields.*(bogus|conn_state) is none/) });
      const native = await api.list(query);
      expect(native.status, query).toBe(400);
      expect(native.body, query).toEqual({ code: 108, message: expect.stringMatching(/fields.*(bogus|conn_state) is none/) });
    }
    // The 4.4 object's counters are its fields, not the native object's.
    expect((await api.list('fields=send_msg.qos1')).status).toBe(400);
  });

  it('emqx_mgmt_api.erl:353 time filters: epoch seconds, and milliseconds (from 10^11) as clients of 4.3.0-4.3.11 send them', async () => {
    await clients.connect({ clientId: 'v4-since' });
    const created = Date.parse(`${String((await listed('v4-since')).created_at).replace(' ', 'T')}Z`);
    for (const query of [`_gte_created_at=${created / 1000}`, `_gte_created_at=${created}`, `_lte_created_at=${created + 999}&_gte_connected_at=${created - 1000}`]) {
      expect(ids((await v4(`/clients?_like_clientid=v4-since&${query}`)).body), query).toEqual(['v4-since']);
    }
    for (const query of [`_gte_created_at=${created / 1000 + 1}`, `_gte_created_at=${created + 1000}`, `_lte_created_at=${created - 1000}`]) {
      expect(ids((await v4(`/clients?_like_clientid=v4-since&${query}`)).body), query).toEqual([]);
    }
  });

  it('the dashboard\'s ACL cache and subscribe calls are 501 {code, message} where the broker has no management API (KICK_VIA=mqtt)', async () => {
    for (const [method, path, json] of [
      ['GET', '/clients/v4-any/acl_cache', undefined],
      ['DELETE', '/clients/v4-any/acl_cache', undefined],
      ['POST', '/mqtt/subscribe', { clientid: 'v4-any', topic: 't' }],
      ['POST', '/mqtt/unsubscribe', { clientid: 'v4-any', topic: 't' }],
    ] as const) {
      const response = await api.request<V4Body>(method, `/api/v4${path}`, json ? { json } : {});
      expect(response.status, path).toBe(501);
      expect(response.body, path).toEqual({ code: 501, message: expect.stringContaining('KICK_VIA=mqtt') });
    }
  });

  it('emqx_mgmt_api_clients.erl:186 lookup: an unknown client is HTTP 200 {"code":0,"data":[]}', async () => {
    const response = await v4('/clients/v4-unknown');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0, data: [] });
  });

  it('emqx_mgmt_api.erl:173-175 cluster_query: meta.count is -1 with any filter, conn_state included; exact without', async () => {
    await clients.connect({ clientId: 'v4-count' });
    await listed('v4-count');
    await stack.settleCounters();
    const all = (await v4('/clients')).body;
    expect(all.meta?.count).toBe((all.data ?? []).length);
    expect((await v4('/clients?conn_state=connected')).body.meta?.count).toBe(-1);
    expect((await v4('/clients?clientid=v4-count')).body.meta?.count).toBe(-1);
  });

  it('emqx_mgmt_api.erl:107-113 page/limit and emqx_mgmt.erl:607 max_row_limit: _page=0 is the first page shown as 0; _limit defaults to 10000', async () => {
    await clients.connect({ clientId: 'v4-page' });
    await listed('v4-page');
    const zero = (await v4('/clients?_page=0&_limit=1000')).body;
    const first = (await v4('/clients?_page=1&_limit=1000')).body;
    expect(zero.meta).toMatchObject({ page: 0, limit: 1000 });
    expect(ids(zero)).toEqual(ids(first));
    expect((await v4('/clients')).body.meta).toMatchObject({ page: 1, limit: 10000 });
  });

  it('emqx_mgmt_api_clients.erl:170 fence and emqx_mgmt_api.erl:358 aton: a bad parameter is HTTP 200 {"code":108} naming it', async () => {
    for (const [query, parameter] of [
      ['_page=abc', '_page'],
      ['_limit=ten', '_limit'],
      ['_limit=10001', '_limit'],
      ['proto_ver=x', 'proto_ver'],
      ['ip_address=%3A%3A1', 'ip_address'],
      ['_gte_created_at=2026-01-01T00%3A00%3A00Z', '_gte_created_at'],
    ] as const) {
      const response = await v4(`/clients?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.body.code, query).toBe(108);
      expect(response.body.message, query).toContain(parameter);
    }
    // The native surface keeps REST statuses.
    expect((await api.list('_page=abc')).status).toBe(400);
  });

  it('emqx_mgmt_api.erl:358 aton and :343 to_atom: well-typed values that name nothing match nothing', async () => {
    for (const query of ['conn_state=sleeping', 'ip_address=10.0.0', 'clean_start=yes', 'proto_ver=300']) {
      const response = await v4(`/clients?${query}`);
      expect(response.status, query).toBe(200);
      expect(response.body, query).toMatchObject({ code: 0, data: [], meta: { count: -1, hasnext: false } });
    }
  });

  it('emqx_mgmt_api_nodes.erl:35 list and emqx_mgmt.erl:142 node_info: GET /api/v4/nodes shows the node holding sessions', async () => {
    await clients.connect({ clientId: 'v4-node' });
    await listed('v4-node');
    const response = await v4('/nodes');
    expect(response.status).toBe(200);
    const node = response.body.data?.find((n) => n.node === NODE);
    expect(node).toMatchObject({ node: NODE, node_status: 'Running' });
    expect(node?.connections).toBeGreaterThanOrEqual(1);
  });

  it('emqx_mgmt_api_clients.erl:52,64 nodes/:node/clients[/:clientid]: the node\'s clients only, with its exact count', async () => {
    await clients.connect({ clientId: 'v4-on-node' });
    await listed('v4-on-node');
    await stack.settleCounters();
    const onNode = (await v4(`/nodes/${encodeURIComponent(NODE)}/clients?_limit=1000`)).body;
    expect(ids(onNode)).toContain('v4-on-node');
    expect(onNode.meta?.count).toBe((onNode.data ?? []).length);
    // A `node` parameter is not 4.4's: ignored, as EMQX ignores any parameter it does not know.
    const ignored = (await v4('/clients?_limit=1000&node=other%40127.0.0.1')).body;
    expect(ids(ignored)).toContain('v4-on-node');
    const elsewhere = (await v4('/nodes/other%40127.0.0.1/clients')).body;
    expect(elsewhere).toMatchObject({ code: 0, data: [], meta: { count: 0 } });
    expect(ids((await v4(`/nodes/${encodeURIComponent(NODE)}/clients/v4-on-node`)).body)).toEqual(['v4-on-node']);
    expect((await v4('/nodes/other%40127.0.0.1/clients/v4-on-node')).body).toEqual({ code: 0, data: [] });
  });

  it('emqx_mgmt_api_clients.erl:70,77 clients/username/:username: every client of a username, on the cluster or one node', async () => {
    await clients.connect({ clientId: 'v4-user-1', username: 'v4 tenant/a' });
    await clients.connect({ clientId: 'v4-user-2', username: 'v4 tenant/a' });
    await clients.connect({ clientId: 'v4-user-3', username: 'v4 tenant/b' });
    await listed('v4-user-1');
    await listed('v4-user-2');
    await listed('v4-user-3');
    const user = encodeURIComponent('v4 tenant/a');
    expect(ids((await v4(`/clients/username/${user}`)).body)).toEqual(['v4-user-1', 'v4-user-2']);
    expect(ids((await v4(`/nodes/${encodeURIComponent(NODE)}/clients/username/${user}`)).body)).toEqual(['v4-user-1', 'v4-user-2']);
    expect((await v4(`/nodes/other%40127.0.0.1/clients/username/${user}`)).body).toEqual({ code: 0, data: [] });
  });

  it('emqx_mgmt_api_subscriptions.erl:42,48,108-125: a client\'s subscriptions as {node, topic, clientid, qos}', async () => {
    const client = await clients.connect({ clientId: 'v4-subs' });
    await client.subscribeAsync({ 'v4/a/+': { qos: 1 }, 'v4/b': { qos: 0 } });
    await expect.poll(async () => (await v4('/subscriptions/v4-subs')).body.data?.length, { timeout: 5000, interval: 50 }).toBe(2);
    const subs = (await v4('/subscriptions/v4-subs')).body.data!.sort((a, b) => String(a.topic).localeCompare(String(b.topic)));
    expect(subs).toEqual([
      { node: NODE, topic: 'v4/a/+', clientid: 'v4-subs', qos: 1 },
      { node: NODE, topic: 'v4/b', clientid: 'v4-subs', qos: 0 },
    ]);
    expect((await v4(`/nodes/${encodeURIComponent(NODE)}/subscriptions/v4-subs`)).body.data).toHaveLength(2);
    expect((await v4('/nodes/other%40127.0.0.1/subscriptions/v4-subs')).body).toEqual({ code: 0, data: [] });
    expect((await v4('/subscriptions/v4-nobody')).body).toEqual({ code: 0, data: [] });
    const native = await api.request<V4Body>('GET', '/clients/v4-subs/subscriptions');
    expect(native.status).toBe(200);
    expect(native.body.data).toHaveLength(2);
  });
});
