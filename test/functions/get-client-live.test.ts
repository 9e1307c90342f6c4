/**
 * GET of one client with the broker's live counters: the real get handler
 * against DynamoDB Local and the EMQX stand-in's REST API (real HTTP on
 * loopback), in both EMQX dialects, on the three surfaces.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDepsOf, getHandler } from '../../functions/api/get-handler.js';
import { LIVE_STATISTICS_FALLBACK_METRIC } from '../../functions/clients/live-statistics.js';
import { loadGetConfig } from '../../functions/config.js';
import type { ConnectionInfo } from '../../functions/sessions/model.js';
import { startEmqxRestApi, type EmqxClient } from '../../infra/local/emqx/rest-api.js';
import { invoke, type GetResponseBody } from '../support/api-calls.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { quietObservability } from '../support/handlers.js';
import { httpEvent } from '../support/http.js';
import { connected, connection, statistics, subscriptions } from '../support/sessions.js';
import { loopbackServer } from '../support/loopback-server.js';

const CREDENTIALS = { key: 'live-key', secret: 'live-secret' };
const NODE = 'emqx@10.0.0.1';
/** Milliseconds included: EMQX 4.4 gives connect times to the second, 5.x to the millisecond. */
const CONNECTED_AT = Date.UTC(2026, 10, 28, 6, 39, 21, 123);

let t: TestTable;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  t = await createTestTable();
});
afterAll(async () => {
  await t?.drop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stored EMQX session: counters as of the last reconciliation, 2 topics. */
async function stored(clientid: string): Promise<ConnectionInfo> {
  const conn = connection({ clientid, node: NODE, conn_id: '', connected_at: CONNECTED_AT, max_inflight: 0, max_mqueue: 0, max_awaiting_rel: 0 });
  await t.writer.apply(connected(conn));
  await t.writer.apply(statistics(conn, 1, { recv_oct: 100, send_msg: 1, inflight: 0, mqueue_len: 4, mqueue_dropped: 1, heap_size: 10 }));
  await t.writer.apply(subscriptions(conn, 1, 2));
  return conn;
}

/** What the broker holds of the client: the same connection unless `connectedAt` says otherwise, other counters. */
function held(clientid: string, connectedAt = CONNECTED_AT): EmqxClient {
  return {
    clientid,
    username: 'user',
    node: NODE,
    connected: true,
    connected_at: connectedAt,
    created_at: connectedAt,
    ip_address: '127.0.0.1',
    port: 50000,
    proto_name: 'MQTT',
    proto_ver: 4,
    keepalive: 60,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    mountpoint: null,
    subscriptions_cnt: 5,
    subscriptions_max: 'infinity',
    inflight_cnt: 3,
    inflight_max: 32,
    mqueue_len: 9,
    mqueue_max: 1000,
    mqueue_dropped: 2,
    awaiting_rel_cnt: 1,
    awaiting_rel_max: 100,
    mailbox_len: 0,
    heap_size: 4242,
    reductions: 777,
    recv_oct: 98_765,
    recv_cnt: 50,
    recv_pkt: 50,
    recv_msg: 40,
    send_oct: 5_000,
    send_cnt: 60,
    send_pkt: 60,
    send_msg: 42,
  };
}

/** The EMQX stand-in over `clients`; counts the lookups it answers. */
async function standIn(clients: EmqxClient[]): Promise<{ url: string; lookups: () => number }> {
  let lookups = 0;
  const api = await startEmqxRestApi({
    backend: {
      clients: () => {
        lookups++;
        return clients;
      },
      kick: async () => false,
    },
    credentials: CREDENTIALS,
  });
  cleanups.push(() => api.stop());
  return { url: api.url, lookups: () => lookups };
}

/** A server answering every request with `answer`: failures the stand-in does not make. */
async function rawServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = await loopbackServer(answer);
  cleanups.push(server.stop);
  return server.url;
}

function getFunction(from: 'emqx5' | 'emqx4', url: string, timeoutMs = 1000) {
  const env = {
    ...t.env,
    LIVE_STATISTICS_FROM: from,
    EMQX_API_URL: url,
    EMQX_API_KEY: CREDENTIALS.key,
    EMQX_API_SECRET: CREDENTIALS.secret,
    LIVE_STATISTICS_TIMEOUT_MS: String(timeoutMs),
  };
  const observed = quietObservability();
  const addMetric = vi.spyOn(observed.metrics, 'addMetric');
  const handler = getHandler(getDepsOf(loadGetConfig(env), observed, t.db));
  const fallbacks = () => addMetric.mock.calls.filter(([name]) => name === LIVE_STATISTICS_FALLBACK_METRIC).length;
  return { handler, fallbacks };
}

type Surface = 'native' | 'v4' | 'v5';
const PREFIX: Record<Surface, string> = { native: '', v4: '/api/v4', v5: '/api/v5' };

async function getClient(handler: ReturnType<typeof getFunction>['handler'], surface: Surface, clientid: string): Promise<Record<string, unknown> | undefined> {
  const event = httpEvent({
    method: 'GET',
    routeKey: `GET ${PREFIX[surface]}/clients/{clientid}`,
    rawPath: `${PREFIX[surface]}/clients/${encodeURIComponent(clientid)}`,
    pathParameters: { clientid },
  });
  const response = await invoke<GetResponseBody | Record<string, unknown>>(handler, event);
  expect(response.status).toBe(200);
  if (surface === 'v5') return response.body as Record<string, unknown>;
  return (response.body as GetResponseBody).data[0] as Record<string, unknown> | undefined;
}

/** The counters as each surface names them. */
function counters(surface: Surface, client: Record<string, unknown> | undefined) {
  const inflight = surface === 'v5' ? 'inflight_cnt' : 'inflight';
  const maxMqueue = surface === 'v5' ? 'mqueue_max' : 'max_mqueue';
  return {
    recv_oct: client?.recv_oct,
    send_msg: client?.send_msg,
    inflight: client?.[inflight],
    mqueue_len: client?.mqueue_len,
    mqueue_dropped: client?.mqueue_dropped,
    heap_size: client?.heap_size,
    subscriptions_cnt: client?.subscriptions_cnt,
    max_mqueue: client?.[maxMqueue],
  };
}

const LIVE = { recv_oct: 98_765, send_msg: 42, inflight: 3, mqueue_len: 9, mqueue_dropped: 2, heap_size: 4242, subscriptions_cnt: 5, max_mqueue: 1000 };
const STORED = { recv_oct: 100, send_msg: 1, inflight: 0, mqueue_len: 4, mqueue_dropped: 1, heap_size: 10, subscriptions_cnt: 2, max_mqueue: 0 };

describe.each(['emqx5', 'emqx4'] as const)('GET of one client, live counters from %s', (from) => {
  it.each(['native', 'v4', 'v5'] as const)('on the %s surface: the broker counters of the same connection', async (surface) => {
    const clientid = `live-${from}-${surface}`;
    await stored(clientid);
    const broker = await standIn([held(clientid)]);
    const { handler, fallbacks } = getFunction(from, broker.url);
    const client = await getClient(handler, surface, clientid);
    expect(counters(surface, client)).toEqual(LIVE);
    // Identity and state stay the table's.
    expect(client?.clientid).toBe(clientid);
    expect(client?.connected).toBe(true);
    expect(broker.lookups()).toBe(1);
    expect(fallbacks()).toBe(0);
  });

  it('shows the stored values when the broker holds another connection of the client', async () => {
    const clientid = `newer-${from}`;
    await stored(clientid);
    const broker = await standIn([held(clientid, CONNECTED_AT + 5_000)]);
    const { handler, fallbacks } = getFunction(from, broker.url);
    expect(counters('native', await getClient(handler, 'native', clientid))).toEqual(STORED);
    expect(broker.lookups()).toBe(1);
    expect(fallbacks()).toBe(1);
  });

  it('shows the stored values when the broker holds no such client', async () => {
    const clientid = `gone-${from}`;
    await stored(clientid);
    const broker = await standIn([held('someone-else')]);
    const { handler, fallbacks } = getFunction(from, broker.url);
    expect(counters('v5', await getClient(handler, 'v5', clientid))).toEqual(STORED);
    expect(fallbacks()).toBe(1);
  });

  it("shows a username's clients as stored, with no broker call per client", async () => {
    const clientid = `by-username-${from}`;
    const conn = await stored(clientid);
    const broker = await standIn([held(clientid)]);
    const { handler } = getFunction(from, broker.url);
    const event = httpEvent({
      method: 'GET',
      routeKey: 'GET /api/v4/clients/username/{username}',
      rawPath: `/api/v4/clients/username/${conn.username!}`,
      pathParameters: { username: conn.username! },
    });
    const { body } = await invoke<GetResponseBody>(handler, event);
    const client = body.data.find((row) => row.clientid === clientid) as Record<string, unknown> | undefined;
    expect(counters('v4', client)).toEqual(STORED);
    expect(broker.lookups()).toBe(0);
  });

  it('asks the broker nothing for a client the table does not show', async () => {
    const broker = await standIn([held('only-on-broker')]);
    const { handler } = getFunction(from, broker.url);
    expect(await getClient(handler, 'native', 'only-on-broker')).toBeUndefined();
    expect(broker.lookups()).toBe(0);
  });
});

describe('GET of one client when the broker cannot answer', () => {
  it('answers the stored values within the bound when the broker does not answer', async () => {
    const clientid = 'silent-broker';
    await stored(clientid);
    const url = await rawServer(() => {
      // Never answers.
    });
    const { handler, fallbacks } = getFunction('emqx5', url, 300);
    const started = Date.now();
    expect(counters('native', await getClient(handler, 'native', clientid))).toEqual(STORED);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fallbacks()).toBe(1);
  });

  it.each([
    ['a 500', (_: IncomingMessage, response: ServerResponse) => void response.writeHead(500).end()],
    ['a 401 (wrong credentials)', (_: IncomingMessage, response: ServerResponse) => void response.writeHead(401).end('UNAUTHORIZED')],
    ['a body that is not JSON', (_: IncomingMessage, response: ServerResponse) => void response.writeHead(200).end('<html>')],
  ])('answers the stored values after %s', async (_, answer) => {
    const clientid = `failing-${Math.random()}`;
    await stored(clientid);
    const { handler, fallbacks } = getFunction('emqx4', await rawServer(answer));
    expect(counters('v4', await getClient(handler, 'v4', clientid))).toEqual(STORED);
    expect(fallbacks()).toBe(1);
  });

  it('answers the stored values when nothing listens at the broker address', async () => {
    const clientid = 'unreachable-broker';
    await stored(clientid);
    const url = await rawServer(() => undefined);
    await cleanups.pop()!();
    const { handler, fallbacks } = getFunction('emqx5', url);
    expect(counters('v5', await getClient(handler, 'v5', clientid))).toEqual(STORED);
    expect(fallbacks()).toBe(1);
  });
});

describe('GET without a broker API to read', () => {
  it('shows the stored values and asks nothing', async () => {
    const clientid = 'no-broker-api';
    await stored(clientid);
    const handler = getHandler(getDepsOf(loadGetConfig(t.env), quietObservability(), t.db));
    expect(counters('native', await getClient(handler, 'native', clientid))).toEqual(STORED);
  });
});
