/** GET /clients/{clientid} through the real handler, against DynamoDB Local. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { expectApiError, invoke, type GetResponseBody, type HttpFunction, type ListResponseBody } from '../support/api-calls.js';
import { getFunction, listFunction } from '../support/handlers.js';
import { emqxTime, eventsFor, expectedClient, SPECIAL_CLIENTIDS, type SessionSpec } from '../support/fleet.js';
import { getEvent, listEvent } from '../support/http.js';
import { listOrder } from '../support/ordering.js';
import { connection, statistics, subscriptions } from '../support/sessions.js';
import type { ConnectionInfo } from '../../functions/sessions/model.js';

/** The fields of the spec's client table, plus `mountpoint` from its example. */
const SPEC_FIELDS = [
  'node', 'clientid', 'username', 'proto_name', 'proto_ver', 'ip_address', 'port', 'is_bridge', 'connected_at',
  'disconnected_at', 'connected', 'zone', 'keepalive', 'clean_start', 'expiry_interval', 'created_at',
  'subscriptions_cnt', 'max_subscriptions', 'inflight', 'max_inflight', 'mqueue_len', 'max_mqueue', 'mqueue_dropped',
  'awaiting_rel', 'max_awaiting_rel', 'recv_oct', 'recv_cnt', 'recv_pkt', 'recv_msg', 'send_oct', 'send_cnt',
  'send_pkt', 'send_msg', 'mailbox_len', 'heap_size', 'reductions', 'mountpoint',
];
const INTEGER_FIELDS = [
  'proto_ver', 'port', 'keepalive', 'expiry_interval', 'subscriptions_cnt', 'max_subscriptions', 'inflight', 'max_inflight',
  'mqueue_len', 'max_mqueue', 'mqueue_dropped', 'awaiting_rel', 'max_awaiting_rel', 'recv_oct', 'recv_cnt', 'recv_pkt',
  'recv_msg', 'send_oct', 'send_cnt', 'send_pkt', 'send_msg', 'mailbox_len', 'heap_size', 'reductions',
];
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const NOW = Date.now();
const CONNECTED_AT = Date.UTC(2026, 1, 3, 4, 5, 6, 789);
const CREATED_AT = Date.UTC(2026, 1, 3, 4, 0, 59, 999);

/** Clientids that test URL decoding, JSON, UTF-8 and the key-size limits. */
const LONG_ASCII = 'L'.repeat(2048);
const LONG_MULTIBYTE = `${'设'.repeat(682)}ab`; // 682 × 3 + 2 = 2048 UTF-8 bytes
const AWKWARD = [...SPECIAL_CLIENTIDS, '%', '%2F', 'a%2Fb', '..', 'é', '👨‍👩‍👧', ' lead', 'trail ', 'tab\there', 'quote"', 'back\\slash', 'new\nline', LONG_ASCII, LONG_MULTIBYTE];

const spec = (conn: ConnectionInfo, fate: SessionSpec['fate'] = 'connected', disconnectedAt: number | null = null): SessionSpec => ({
  conn,
  fate,
  mqueue_len: 4,
  mqueue_dropped: 1,
  subscriptions_cnt: 2,
  disconnected_at: disconnectedAt,
});

const online = spec(
  connection({
    clientid: 'online',
    node: 'emqx@10.0.0.7',
    created_at: CREATED_AT,
    connected_at: CONNECTED_AT,
    username: 'test',
    ip_address: '2001:db8::7',
    port: 3107,
    keepalive: 60,
    mountpoint: 'tenant/',
    max_subscriptions: 10,
    is_bridge: true,
  }),
);
const offline = spec(
  connection({ clientid: 'offline', connected_at: NOW - 3600_000, clean_start: false, expiry_interval: 7200, username: null }),
  'disconnected',
  NOW - 60_000,
);
const expired = spec(connection({ clientid: 'expired', connected_at: NOW - 7200_000, clean_start: false, expiry_interval: 60 }), 'expired', NOW - 3600_000);
const ended = spec(connection({ clientid: 'ended', connected_at: NOW - 7200_000 }), 'ended', NOW - 3600_000);
const takenOver = spec(connection({ clientid: 'taken-over', node: 'node-new', connected_at: NOW - 60_000 }), 'taken-over');
const awkward = AWKWARD.map((clientid, i) => spec(connection({ clientid, conn_id: `awkward-${i}`, connected_at: NOW - 10_000 })));

let t: TestTable;
let get: HttpFunction;
let list: HttpFunction;

beforeAll(async () => {
  t = await createTestTable();
  get = getFunction(t.env);
  list = listFunction(t.env);
  await t.writer.applyAll([online, offline, expired, ended, takenOver, ...awkward].flatMap(eventsFor));
});
afterAll(() => t.drop());

const getClient = async (clientid: string) => {
  const response = await invoke<GetResponseBody>(get, getEvent(clientid));
  expect(response.status).toBe(200);
  return response.body;
};
const listClients = async (qs: string) => {
  const response = await invoke<ListResponseBody>(list, listEvent(qs));
  expect(response.status).toBe(200);
  return response.body;
};

describe('GET /clients/{clientid}', () => {
  it('answers a connected client with exactly the spec fields, without disconnected_at', async () => {
    const body = await getClient('online');
    expect(body.code).toBe(0);
    expect(body.data).toHaveLength(1);
    const client = body.data[0] as Record<string, unknown>;
    expect(Object.keys(client).sort()).toEqual(SPEC_FIELDS.filter((f) => f !== 'disconnected_at').sort());
    expect(client).toEqual(expectedClient(online));
    expect(client).toMatchObject({ connected: true, is_bridge: true, mountpoint: 'tenant/', username: 'test', ip_address: '2001:db8::7' });
  });

  it('gives integers as integers, flags as booleans, and times as "YYYY-MM-DD HH:mm:ss" in UTC', async () => {
    const client = (await getClient('online')).data[0] as Record<string, unknown>;
    for (const field of INTEGER_FIELDS) expect(Number.isInteger(client[field]), field).toBe(true);
    for (const field of ['is_bridge', 'connected', 'clean_start']) expect(typeof client[field], field).toBe('boolean');
    for (const field of ['node', 'clientid', 'proto_name', 'ip_address', 'zone']) expect(typeof client[field], field).toBe('string');
    expect(client.connected_at).toBe('2026-02-03 04:05:06');
    expect(client.created_at).toBe('2026-02-03 04:00:59');
    expect(client.connected_at).toMatch(TIME);
  });

  it('answers an offline persistent session as disconnected, with disconnected_at', async () => {
    const client = (await getClient('offline')).data[0] as Record<string, unknown>;
    expect(Object.keys(client).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(client).toEqual(expectedClient(offline));
    expect(client).toMatchObject({ connected: false, clean_start: false, username: null, disconnected_at: emqxTime(offline.disconnected_at!) });
    expect(client.disconnected_at).toMatch(TIME);
  });

  it('answers the newer connection after a takeover, not the old node', async () => {
    expect((await getClient('taken-over')).data).toEqual([expectedClient(takenOver)]);
    expect((await getClient('taken-over')).data[0]).toMatchObject({ node: 'node-new', connected: true });
  });

  it('answers an unknown, ended or expired client with 200 and no data', async () => {
    for (const clientid of ['nobody', 'ended', 'expired', 'ONLINE', 'online ']) {
      const response = await invoke<GetResponseBody>(get, getEvent(clientid));
      expect(response.status, clientid).toBe(200);
      expect(response.body, clientid).toEqual({ code: 0, data: [] });
    }
  });

  it('shows what a later statistics snapshot says', async () => {
    const conn = online.conn;
    await t.writer.apply(statistics(conn, 2, { mqueue_len: 42, inflight: 3 }));
    await t.writer.apply(subscriptions(conn, 2, 9));
    expect((await getClient('online')).data[0]).toMatchObject({ mqueue_len: 42, inflight: 3, subscriptions_cnt: 9, mqueue_dropped: 0 });
  });
});

describe('awkward clientids', () => {
  it.each(awkward.map((s) => [s.conn.clientid.length > 40 ? `${s.conn.clientid.slice(0, 8)}… (${Buffer.byteLength(s.conn.clientid)} bytes)` : JSON.stringify(s.conn.clientid), s] as const))(
    'round-trip through get and list: %s',
    async (_, s) => {
      const clientid = s.conn.clientid;
      expect((await getClient(clientid)).data).toEqual([expectedClient(s)]);
      expect((await listClients(`clientid=${encodeURIComponent(clientid)}`)).data).toEqual([expectedClient(s)]);
      expect((await listClients(`_like_clientid=${encodeURIComponent(clientid)}&_limit=1000`)).data.map((c) => c.clientid)).toContain(clientid);
    },
  );

  it('are all in the full listing, each once', async () => {
    const listed = (await listClients('_limit=1000')).data.map((c) => c.clientid);
    for (const clientid of AWKWARD) expect(listed.filter((id) => id === clientid)).toHaveLength(1);
  });

  it('a clientid of 2048 UTF-8 bytes is the longest a key can hold', () => {
    expect(Buffer.byteLength(LONG_ASCII)).toBe(2048);
    expect(Buffer.byteLength(LONG_MULTIBYTE)).toBe(2048);
  });
});

describe('GET /clients/{clientid} refuses clientids no session can have', () => {
  it.each([
    ['2049 bytes', 'L'.repeat(2049)],
    ['2049 bytes of multibyte characters', `${'设'.repeat(682)}abc`],
    ['U+0000', 'a\u0000b'],
    ['a lone surrogate', 'a\uD800b'],
    ['empty', ''],
  ])('%s: 400 {code: 108} naming clientid', async (_, clientid) => {
    expectApiError(await invoke(get, getEvent(clientid)), 400, 108, 'clientid');
  });

  it('a missing path parameter: 400 {code: 108}', async () => {
    const event = getEvent('x');
    delete event.pathParameters;
    expectApiError(await invoke(get, event), 400, 108, 'clientid');
  });

  it('a malformed event: 500 {code: 102, message: "internal error"}', async () => {
    for (const event of [{}, null, { routeKey: 'GET /clients/{clientid}', pathParameters: { clientid: 'online' } }]) {
      const body = expectApiError(await invoke(get, event), 500, 102);
      expect(body).toEqual({ code: 102, message: 'internal error' });
    }
  });
});

it('lists the live clients of this file in order, the 2048-byte clientids included', async () => {
  const listed = (await listClients('_limit=1000')).data.map((c) => c.clientid);
  expect(listed).not.toContain('expired');
  expect(listed).not.toContain('ended');
  expect(listed).toHaveLength(3 + AWKWARD.length);
  expect(listed.at(-1)).toBe('online');
  const expected = [online, offline, takenOver, ...awkward].map((s) => s.conn).sort(listOrder).map((c) => c.clientid);
  expect(listed).toEqual(expected);
});
