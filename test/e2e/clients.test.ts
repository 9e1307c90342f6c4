/** GET /clients and GET /clients/{clientid} end to end: real MQTT clients, the local broker, the API's handlers. */
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientObject } from '../../functions/clients/render.js';
import { apiClient, DATE_TIME, MqttClients, closed, startE2eStack, type E2eStack, type ErrorBody } from './local-stack.js';

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);

beforeAll(async () => {
  stack = await startE2eStack();
  api = apiClient(stack);
});
afterEach(() => clients.closeAll());
afterAll(() => stack?.close());

const localPort = (client: MqttClient) => (client.stream as unknown as { address(): AddressInfo }).address().port;

/** Polls GET /clients/{clientid} until `check` holds; returns the client object then. */
async function eventually(clientid: string, check: (c: ClientObject | undefined) => boolean): Promise<ClientObject | undefined> {
  let last: ClientObject | undefined;
  await expect
    .poll(
      async () => {
        last = await api.client(clientid);
        return check(last);
      },
      { timeout: 5000, interval: 50 },
    )
    .toBe(true);
  return last;
}

describe('GET /clients with real MQTT clients', () => {
  it('shows each client with what it connected with', async () => {
    const v4 = await clients.connect({ clientId: 'e2e-v4', username: 'alice', clean: true, keepalive: 30 });
    const v3 = await clients.connect({
      clientId: 'e2e-v3',
      username: 'bob',
      protocolId: 'MQIsdp',
      protocolVersion: 3,
      clean: false,
      keepalive: 45,
    });
    const odd = await clients.connect({ clientId: 'dev/ice #1+%', clean: true, keepalive: 0 });

    await expect
      .poll(async () => (await api.list('_like_clientid=e2e-')).body.data.length, { timeout: 5000 })
      .toBe(2);
    const listed = (await api.list('_like_clientid=e2e-')).body.data;
    const byId = new Map(listed.map((c) => [c.clientid, c]));

    expect(byId.get('e2e-v4')).toMatchObject({
      node: 'e2e@127.0.0.1',
      username: 'alice',
      proto_name: 'MQTT',
      proto_ver: 4,
      ip_address: '127.0.0.1',
      port: localPort(v4),
      is_bridge: false,
      connected: true,
      zone: 'external',
      keepalive: 30,
      clean_start: true,
      expiry_interval: 0,
    });
    expect(byId.get('e2e-v3')).toMatchObject({
      username: 'bob',
      proto_name: 'MQIsdp',
      proto_ver: 3,
      port: localPort(v3),
      keepalive: 45,
      clean_start: false,
      expiry_interval: 7200,
      connected: true,
    });
    for (const client of listed) {
      expect(client.connected_at).toMatch(DATE_TIME);
      expect(client.created_at).toBe(client.connected_at);
      expect(client).not.toHaveProperty('disconnected_at');
    }

    const single = await api.get('dev/ice #1+%');
    expect(single.status).toBe(200);
    expect(single.body.data).toHaveLength(1);
    expect(single.body.data[0]).toMatchObject({ clientid: 'dev/ice #1+%', username: null, keepalive: 0, port: localPort(odd) });
  });

  it('counts subscriptions as the client subscribes and unsubscribes', async () => {
    const client = await clients.connect({ clientId: 'e2e-subscriber' });

    await client.subscribeAsync(['a/#', 'b/+/c', 'd'], { qos: 1 });
    await eventually('e2e-subscriber', (c) => c?.subscriptions_cnt === 3);
    await client.unsubscribeAsync('b/+/c');

    await eventually('e2e-subscriber', (c) => c?.subscriptions_cnt === 2);
  });

  it('reports traffic counters that grow with what the client sends and receives', async () => {
    const client = await clients.connect({ clientId: 'e2e-traffic' });
    await client.subscribeAsync('echo/#', { qos: 1 });
    const before = await eventually('e2e-traffic', (c) => (c?.recv_pkt ?? 0) >= 2);

    for (let i = 0; i < 5; i++) await client.publishAsync(`echo/${i}`, Buffer.alloc(100, i), { qos: 1 });
    const after = await eventually('e2e-traffic', (c) => (c?.recv_msg ?? 0) >= 5 && (c?.send_msg ?? 0) >= 5 && c?.inflight === 0);

    expect(before?.recv_msg).toBe(0);
    expect(after).toBeDefined();
    expect(after!.recv_msg).toBe(5);
    expect(after!.send_msg).toBe(5);
    // Five PUBLISH of over 100 bytes each way, plus their acknowledgements.
    expect(after!.recv_oct - before!.recv_oct).toBeGreaterThan(500);
    expect(after!.send_oct - before!.send_oct).toBeGreaterThan(500);
    expect(after!.recv_pkt - before!.recv_pkt).toBeGreaterThanOrEqual(10);
    expect(after!.send_pkt - before!.send_pkt).toBeGreaterThanOrEqual(10);
    expect(after!.recv_cnt).toBeGreaterThan(0);
    expect(after!.send_cnt).toBeGreaterThan(0);
  });

  it('drops a clean session when its client disconnects', async () => {
    const client = await clients.connect({ clientId: 'e2e-clean', clean: true });
    await eventually('e2e-clean', (c) => c?.connected === true);

    await client.endAsync();

    await eventually('e2e-clean', (c) => c === undefined);
  });

  it('keeps a persistent session as disconnected, and resumes it with its creation time', async () => {
    const first = await clients.connect({ clientId: 'e2e-persistent', clean: false });
    await first.subscribeAsync('keep/#', { qos: 1 });
    const connectedView = await eventually('e2e-persistent', (c) => c?.subscriptions_cnt === 1);

    await first.endAsync();
    const offline = await eventually('e2e-persistent', (c) => c?.connected === false);

    expect(offline).toMatchObject({ clean_start: false, expiry_interval: 7200, subscriptions_cnt: 1 });
    expect(offline?.disconnected_at).toMatch(DATE_TIME);
    const disconnected = await api.list('conn_state=disconnected');
    expect(disconnected.body.data.map((c) => c.clientid)).toContain('e2e-persistent');

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await clients.connect({ clientId: 'e2e-persistent', clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    const resumed = await eventually('e2e-persistent', (c) => c?.connected === true);

    expect(resumed).not.toHaveProperty('disconnected_at');
    expect(resumed?.created_at).toBe(connectedView?.created_at);
    expect(resumed?.connected_at).not.toBe(connectedView?.connected_at);
    expect(resumed?.subscriptions_cnt).toBe(1);
  });

  it('leaves one session when a second connection takes the clientid over', async () => {
    const first = await clients.connect({ clientId: 'e2e-twin', username: 'first' });
    await eventually('e2e-twin', (c) => c?.username === 'first');
    const firstClosed = closed(first);

    const second = await clients.connect({ clientId: 'e2e-twin', username: 'second' });
    await firstClosed;

    const twin = await eventually('e2e-twin', (c) => c?.username === 'second');
    expect(twin?.port).toBe(localPort(second));
    expect(twin?.connected).toBe(true);
    const listed = await api.list('clientid=e2e-twin');
    expect(listed.body.data).toHaveLength(1);
  });
});

describe('the local API gateway', () => {
  it('answers 401 with a JSON body and a challenge without credentials or with wrong ones', async () => {
    const wrongSecret = `Basic ${Buffer.from(`${stack.app.appId}:nope`).toString('base64')}`;
    for (const authorization of [null, wrongSecret, 'Bearer abc', 'Basic !!!']) {
      const response = await api.request<ErrorBody>('GET', '/clients', { authorization });

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(response.body).toEqual({ code: 401, message: expect.any(String) });
    }
    const kick = await api.request<ErrorBody>('DELETE', '/clients/anyone', { authorization: null });
    expect(kick.status).toBe(401);
  });

  it('answers with the right credentials, under /clients and /api/v4/clients', async () => {
    await clients.connect({ clientId: 'e2e-v4-path' });
    await eventually('e2e-v4-path', (c) => c?.connected === true);

    const plain = await api.request<{ code: number; data: ClientObject[] }>('GET', '/clients?clientid=e2e-v4-path');
    const prefixed = await api.request<{ code: number; data: ClientObject[] }>('GET', '/api/v4/clients?clientid=e2e-v4-path');
    const single = await api.request<{ code: number; data: ClientObject[] }>('GET', '/api/v4/clients/e2e-v4-path');

    expect(plain.status).toBe(200);
    expect(prefixed.status).toBe(200);
    expect(prefixed.body.data.map((c) => c.clientid)).toEqual(['e2e-v4-path']);
    // Statistics may move between the two calls; the client is the same.
    const identity = (c: ClientObject) => ({ clientid: c.clientid, port: c.port, connected_at: c.connected_at });
    expect(prefixed.body.data.map(identity)).toEqual(plain.body.data.map(identity));
    expect(single.body.data.map((c) => c.clientid)).toEqual(['e2e-v4-path']);
  });

  it('answers unknown paths with 404, other methods with 405, bad parameters with 400, all as {code, message}', async () => {
    const missing = await api.request<ErrorBody>('GET', '/nothing/here');
    const nested = await api.request<ErrorBody>('GET', '/clients/a/b');
    const post = await api.request<ErrorBody>('POST', '/clients');
    const put = await api.request<ErrorBody>('PUT', '/api/v4/clients/x');
    const badEscape = await api.request<ErrorBody>('GET', '/clients/%E0%A4%A');
    const badQuery = await api.request<ErrorBody>('GET', '/clients?conn_state=asleep');

    expect([missing.status, nested.status]).toEqual([404, 404]);
    expect(missing.body).toEqual({ code: 404, message: expect.stringContaining('/nothing/here') });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, DELETE');
    expect(badEscape.status).toBe(400);
    expect(badQuery.status).toBe(400);
    for (const response of [missing, nested, post, put, badEscape, badQuery]) {
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message']);
      expect(typeof response.body.code).toBe('number');
    }
  });

  it('answers an unknown client with an empty list, as EMQX 4', async () => {
    const response = await api.get('nobody-here');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0, data: [] });
  });
});
