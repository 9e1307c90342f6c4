import { afterEach, describe, expect, it } from 'vitest';
import { startEmqxRestApi, type EmqxBackend, type EmqxClient } from '../../../infra/local/emqx/rest-api.js';
import { rawRequest } from '../../support/raw-request.js';

const CREDENTIALS = { key: 'api-key-1', secret: 'api-secret-1' };
const AUTH = { authorization: `Basic ${Buffer.from('api-key-1:api-secret-1').toString('base64')}` };
const CONNECTED_AT = Date.UTC(2026, 10, 28, 6, 39, 21, 123);

function client(clientid: string, overrides: Partial<EmqxClient> = {}): EmqxClient {
  return {
    clientid,
    username: 'alice',
    node: 'emqx@10.0.0.1',
    connected: true,
    connected_at: CONNECTED_AT,
    created_at: CONNECTED_AT - 1000,
    ip_address: '10.1.2.3',
    port: 52044,
    proto_name: 'MQTT',
    proto_ver: 5,
    keepalive: 60,
    clean_start: false,
    expiry_interval: 7200,
    is_bridge: false,
    mountpoint: null,
    subscriptions_cnt: 2,
    subscriptions_max: 'infinity',
    inflight_cnt: 3,
    inflight_max: 32,
    mqueue_len: 4,
    mqueue_max: 1000,
    mqueue_dropped: 5,
    awaiting_rel_cnt: 6,
    awaiting_rel_max: 100,
    mailbox_len: 7,
    heap_size: 8,
    reductions: 9,
    recv_oct: 10,
    recv_cnt: 11,
    recv_pkt: 12,
    recv_msg: 13,
    send_oct: 14,
    send_cnt: 15,
    send_pkt: 16,
    send_msg: 17,
    ...overrides,
  };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function api(clients: EmqxClient[]) {
  const kicked: string[] = [];
  const backend: EmqxBackend = {
    clients: () => clients,
    kick: async (clientid) => {
      kicked.push(clientid);
      const index = clients.findIndex((c) => c.clientid === clientid);
      if (index < 0) return false;
      clients.splice(index, 1);
      return true;
    },
  };
  const server = await startEmqxRestApi({ backend, credentials: CREDENTIALS });
  stops.push(() => server.stop());
  const call = async (method: string, path: string, headers: Record<string, string> = AUTH) => {
    const response = await fetch(`${server.url}${path}`, { method, headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    return { status: response.status, body: body as Record<string, unknown>, headers: response.headers };
  };
  const raw = async (method: string, path: string) => {
    const answer = await rawRequest(server.url, method, path, AUTH);
    return { status: answer.status, body: (answer.body === '' ? undefined : JSON.parse(answer.body)) as Record<string, unknown> };
  };
  return { call, raw, kicked };
}

describe('EMQX 5 dialect', () => {
  it('lists clients_v2 page by page through its cursor, the last page without one, and refuses a cursor it did not give', async () => {
    const { call } = await api([client('a'), client('b'), client('c')]);
    const first = await call('GET', '/api/v5/clients_v2?limit=2');
    expect(first.status).toBe(200);
    expect((first.body.data as Array<{ clientid: string }>).map((c) => c.clientid)).toEqual(['a', 'b']);
    expect(first.body.meta).toEqual({ count: 2, cursor: expect.any(String) });
    const { cursor } = first.body.meta as { cursor: string };
    const last = await call('GET', `/api/v5/clients_v2?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect((last.body.data as Array<{ clientid: string }>).map((c) => c.clientid)).toEqual(['c']);
    expect(last.body.meta).toEqual({ count: 1 });
    expect((last.body.data as Array<Record<string, unknown>>)[0]).toMatchObject({ connected_at: '2026-11-28T06:39:21.123+00:00', inflight_cnt: 3 });
    expect(await call('GET', '/api/v5/clients_v2?cursor=not-ours')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', message: 'bad cursor' } });
    expect((await call('GET', '/api/v4/clients_v2')).status).toBe(404);
  });

  it('lists a page with meta, times in RFC 3339 with milliseconds, no zone', async () => {
    const { call } = await api([client('a'), client('b', { connected: false, disconnected_at: CONNECTED_AT + 5000 }), client('c')]);
    const first = await call('GET', '/api/v5/clients?page=1&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.meta).toEqual({ page: 1, limit: 2, hasnext: true, count: 3 });
    const [a, b] = first.body.data as Array<Record<string, unknown>>;
    expect(a).toMatchObject({ clientid: 'a', connected_at: '2026-11-28T06:39:21.123+00:00', created_at: '2026-11-28T06:39:20.123+00:00', disconnected_at: null });
    expect(a).toMatchObject({ inflight_cnt: 3, awaiting_rel_cnt: 6, subscriptions_max: 'infinity', 'recv_msg.qos0': 0 });
    expect(a).not.toHaveProperty('zone');
    expect(b).toMatchObject({ connected: false, disconnected_at: '2026-11-28T06:39:26.123+00:00' });
    const last = await call('GET', '/api/v5/clients?page=2&limit=2');
    expect((last.body.data as Array<{ clientid: string }>).map((c) => c.clientid)).toEqual(['c']);
    expect(last.body.meta).toMatchObject({ page: 2, hasnext: false });
  });

  it('keeps only the requested fields and refuses unknown ones', async () => {
    const { call } = await api([client('a')]);
    const listed = await call('GET', '/api/v5/clients?fields=clientid,connected_at,inflight_cnt');
    expect(listed.body.data).toEqual([{ clientid: 'a', connected_at: '2026-11-28T06:39:21.123+00:00', inflight_cnt: 3 }]);
    const refused = await call('GET', '/api/v5/clients?fields=clientid,zone');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('INVALID_PARAMETER');
  });

  it('refuses a limit over 10000 or a page of 0', async () => {
    const { call } = await api([client('a')]);
    expect((await call('GET', '/api/v5/clients?limit=10001')).status).toBe(400);
    expect((await call('GET', '/api/v5/clients?page=0')).status).toBe(400);
  });

  it('gets one client as an object, or 404 CLIENTID_NOT_FOUND', async () => {
    const { call } = await api([client('factory/line 1')]);
    const found = await call('GET', `/api/v5/clients/${encodeURIComponent('factory/line 1')}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ clientid: 'factory/line 1', node: 'emqx@10.0.0.1' });
    const missing = await call('GET', '/api/v5/clients/nobody');
    expect(missing).toMatchObject({ status: 404, body: { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } });
  });

  it('kicks with 204, and answers 404 for a client it does not hold', async () => {
    const { call, kicked } = await api([client('a+b#c')]);
    const done = await call('DELETE', `/api/v5/clients/${encodeURIComponent('a+b#c')}`);
    expect(done.status).toBe(204);
    expect(kicked).toEqual(['a+b#c']);
    const again = await call('DELETE', `/api/v5/clients/${encodeURIComponent('a+b#c')}`);
    expect(again).toMatchObject({ status: 404, body: { code: 'CLIENTID_NOT_FOUND' } });
  });

  it('answers 401 BAD_API_KEY_OR_SECRET to wrong or missing credentials, before touching the backend', async () => {
    const { call, kicked } = await api([client('a')]);
    const wrong = { authorization: `Basic ${Buffer.from('api-key-1:nope').toString('base64')}` };
    const refused = await call('DELETE', '/api/v5/clients/a', wrong);
    expect(refused).toMatchObject({ status: 401, body: { code: 'BAD_API_KEY_OR_SECRET' } });
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await call('GET', '/api/v5/clients', {})).status).toBe(401);
    expect(kicked).toEqual([]);
  });
});

describe('EMQX 4.4 dialect', () => {
  it('lists with code 0, 4.4 field names and "YYYY-MM-DD HH:mm:ss" times', async () => {
    const { call } = await api([client('a', { username: null, zone: 'internal' }), client('b', { connected: false, disconnected_at: CONNECTED_AT + 5000 })]);
    const listed = await call('GET', '/api/v4/clients?_page=1&_limit=1');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ code: 0, meta: { page: 1, limit: 1, hasnext: true, count: 2 } });
    const [a] = listed.body.data as Array<Record<string, unknown>>;
    expect(a).toMatchObject({
      clientid: 'a',
      username: 'undefined',
      mountpoint: 'undefined',
      zone: 'internal',
      connected_at: '2026-11-28 06:39:21',
      created_at: '2026-11-28 06:39:20',
      inflight: 3,
      max_inflight: 32,
      awaiting_rel: 6,
      max_awaiting_rel: 100,
      max_subscriptions: 0,
      max_mqueue: 1000,
    });
    expect(a).not.toHaveProperty('disconnected_at');
    expect(a).not.toHaveProperty('inflight_cnt');
    const second = await call('GET', '/api/v4/clients?_page=2&_limit=1');
    expect(second.body.data).toEqual([expect.objectContaining({ clientid: 'b', zone: 'external', disconnected_at: '2026-11-28 06:39:26' })]);
    expect(second.body.meta).toMatchObject({ hasnext: false });
  });

  it('gets one client as a one-element list, an unknown one as an empty list', async () => {
    const { call } = await api([client('a')]);
    expect((await call('GET', '/api/v4/clients/a')).body).toMatchObject({ code: 0, data: [expect.objectContaining({ clientid: 'a' })] });
    expect((await call('GET', '/api/v4/clients/nobody')).body).toEqual({ code: 0, data: [] });
  });

  it('answers a kick with code 0, for an unknown client too (as 4.4 does)', async () => {
    const { call, kicked } = await api([client('a')]);
    expect(await call('DELETE', '/api/v4/clients/a')).toMatchObject({ status: 200, body: { code: 0 } });
    expect(await call('DELETE', '/api/v4/clients/a')).toMatchObject({ status: 200, body: { code: 0 } });
    expect(kicked).toEqual(['a', 'a']);
  });

  it('answers 401 UNAUTHORIZED as text to wrong credentials', async () => {
    const { call } = await api([client('a')]);
    const refused = await call('GET', '/api/v4/clients', { authorization: 'Basic bm9wZTpub3Bl' });
    expect(refused.status).toBe(401);
    expect(refused.body).toBe('UNAUTHORIZED');
  });
});

describe.each(['v5', 'v4'] as const)('paths and filters as EMQX %s reads them (cowboy routing)', (dialect) => {
  const idsOf = (body: Record<string, unknown>) => (body.data as Array<{ clientid: string }>).map((c) => c.clientid);

  it('decodes each segment once: an escaped slash, percent, query or hash mark stays in the client id', async () => {
    const { raw } = await api(['a/b', '%2E', '?x', '#', 'é', 'a+b'].map((id) => client(id)));
    for (const [path, clientid] of [
      ['a%2Fb', 'a/b'],
      ['%252E', '%2E'],
      ['%3Fx', '?x'],
      ['%23', '#'],
      ['%C3%A9', 'é'],
      ['a+b', 'a+b'],
    ] as const) {
      const { status, body } = await raw('GET', `/api/${dialect}/clients/${path}`);
      expect(status, path).toBe(200);
      expect(dialect === 'v5' ? body.clientid : idsOf(body), path).toEqual(dialect === 'v5' ? clientid : [clientid]);
    }
  });

  it('resolves "." and ".." segments after decoding, %2E included, so no path names such a client', async () => {
    const { raw, kicked } = await api([client('.'), client('..'), client('other')]);
    for (const path of ['.', '%2E', '%2e', '']) {
      const { status, body } = await raw('GET', `/api/${dialect}/clients/${path}`);
      expect(status, path).toBe(200);
      // The list of every client, not one client.
      expect(idsOf(body), path).toEqual(['.', '..', 'other']);
    }
    for (const path of ['..', '%2E%2E', '.%2e']) expect((await raw('GET', `/api/${dialect}/clients/${path}`)).status, path).toBe(404);
    expect((await raw('DELETE', `/api/${dialect}/clients/%2E`)).status).toBe(405);
    expect(kicked).toEqual([]);
  });

  it('answers 400 to a bad escape', async () => {
    const { raw } = await api([client('c1')]);
    expect((await raw('GET', `/api/${dialect}/clients/%ZZ`)).status).toBe(400);
  });

  it('filters the list on the exact clientid', async () => {
    const { call } = await api([client('.'), client('..'), client('.a'), client('a.')]);
    for (const clientid of ['.', '..', '.a', 'absent']) {
      const { body } = await call('GET', `/api/${dialect}/clients?clientid=${encodeURIComponent(clientid)}`);
      expect(idsOf(body), clientid).toEqual(clientid === 'absent' ? [] : [clientid]);
    }
  });
});
