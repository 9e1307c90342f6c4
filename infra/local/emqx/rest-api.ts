/**
 * A loopback stand-in of an EMQX cluster's clients REST API, in both
 * dialects, for tests and for the local stack acting as an EMQX cluster:
 *
 * - EMQX 5.8 (`emqx_mgmt_api_clients.erl`): `GET /api/v5/clients` (page,
 *   limit, fields) → `{data, meta:{page, limit, hasnext, count}}`;
 *   `GET|DELETE /api/v5/clients/{id}` → the client / 204, or 404
 *   `CLIENTID_NOT_FOUND`. Times are RFC 3339 with milliseconds. Bad
 *   credentials: 401 `BAD_API_KEY_OR_SECRET`.
 * - EMQX 4.4 (`emqx_mgmt_api_clients.erl`, minirest 0.3): `GET /api/v4/clients`
 *   (_page, _limit) → `{code:0, data, meta:{page, limit, hasnext, count}}`;
 *   `GET /api/v4/clients/{id}` → `{code:0, data:[client]}` or `data:[]`;
 *   `DELETE /api/v4/clients/{id}` → `{code:0}`, for an unknown client too.
 *   4.4 field names (`max_*`, `inflight`, `awaiting_rel`), times
 *   "YYYY-MM-DD HH:mm:ss" (rendered in UTC), username/mountpoint "undefined"
 *   when unset. Bad credentials: 401 `UNAUTHORIZED` as text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAuthorized } from '../../../functions/apps/basic-auth.js';
import { QOS_COUNTER_FIELDS } from '../../../functions/sessions/model.js';

/**
 * Counters both dialects list under these names beside the main ones; 5.x
 * also lists the await-PUBREL drops that 4.4's format_channel_info/1 leaves out.
 */
const DOTTED_COUNTERS = [...QOS_COUNTER_FIELDS, 'recv_msg.dropped.await_pubrel_timeout'] as const;

/** The EMQX 5 client object, with the three times as epoch ms (rendered per dialect). */
export type EmqxClient = {
  clientid: string;
  username: string | null;
  node: string;
  connected: boolean;
  connected_at: number;
  created_at: number;
  /** Set once the client has disconnected. */
  disconnected_at?: number | null;
  ip_address: string;
  port: number;
  proto_name: string;
  proto_ver: number;
  keepalive: number;
  clean_start: boolean;
  /** Seconds. */
  expiry_interval: number;
  is_bridge: boolean;
  mountpoint: string | null;
  is_expired?: boolean;
  durable?: boolean;
  /** EMQX 5 does not list it; EMQX 4 does (default `external`). */
  zone?: string;
  subscriptions_cnt: number;
  subscriptions_max: number | 'infinity';
  inflight_cnt: number;
  inflight_max: number;
  mqueue_len: number;
  mqueue_max: number | 'infinity';
  mqueue_dropped: number;
  awaiting_rel_cnt: number;
  awaiting_rel_max: number;
  mailbox_len: number;
  heap_size: number;
  reductions: number;
  recv_oct: number;
  recv_cnt: number;
  recv_pkt: number;
  recv_msg: number;
  send_oct: number;
  send_cnt: number;
  send_pkt: number;
  send_msg: number;
} & Partial<Record<(typeof DOTTED_COUNTERS)[number], number>>;

export type EmqxBackend = {
  /** Every client the cluster holds, in a stable order. */
  clients(): EmqxClient[];
  /** Kicks the client; false when the cluster holds no such client. */
  kick(clientid: string): Promise<boolean>;
};

export type EmqxRestApi = { url: string; stop(): Promise<void> };

export async function startEmqxRestApi(options: {
  backend: EmqxBackend;
  credentials: { key: string; secret: string };
  host?: string;
  port?: number;
}): Promise<EmqxRestApi> {
  const expected = { appId: options.credentials.key, appSecret: options.credentials.secret };
  const server = createServer((request, response) => {
    handle(options.backend, expected, request, response).catch(() => {
      // A handler crash: cowboy answers 500 with no body.
      if (!response.headersSent) response.writeHead(500, { 'content-length': '0' });
      response.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Requests a backend never answers must not hold the server open.
        server.closeAllConnections();
      }),
  };
}

type Route = { dialect: 'v5' | 'v4'; clientid: string | undefined };

async function handle(backend: EmqxBackend, expected: { appId: string; appSecret: string }, request: IncomingMessage, response: ServerResponse): Promise<void> {
  for await (const chunk of request) void chunk;
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const route = routeOf(url.pathname);
  if (route === undefined) return json(response, 404, { code: 'NOT_FOUND', message: 'Request path not found' });
  if (route === 'malformed') return json(response, 400, { code: 'INVALID_PARAMETER', message: 'malformed client ID' });
  if (!isAuthorized(request.headers.authorization, expected)) return unauthorized(response, route.dialect);
  const { dialect, clientid } = route;
  const method = request.method ?? 'GET';

  if (clientid === undefined) {
    if (method !== 'GET') return json(response, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' });
    return dialect === 'v5' ? listV5(backend, url.searchParams, response) : listV4(backend, url.searchParams, response);
  }
  if (method === 'GET') {
    const found = backend.clients().filter((client) => client.clientid === clientid);
    if (dialect === 'v4') return json(response, 200, { code: 0, data: found.map(renderV4) });
    if (found.length === 0) return clientNotFound(response);
    return json(response, 200, renderV5(found[0]!));
  }
  if (method === 'DELETE') {
    const kicked = await backend.kick(clientid);
    if (dialect === 'v4') return json(response, 200, { code: 0 });
    if (!kicked) return clientNotFound(response);
    response.writeHead(204).end();
    return;
  }
  return json(response, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' });
}

function routeOf(pathname: string): Route | 'malformed' | undefined {
  const match = /^\/api\/(v5|v4)\/clients(?:\/([^/]+))?\/?$/.exec(pathname);
  if (!match) return undefined;
  const dialect = match[1] as 'v5' | 'v4';
  if (match[2] === undefined) return { dialect, clientid: undefined };
  try {
    return { dialect, clientid: decodeURIComponent(match[2]) };
  } catch {
    return 'malformed';
  }
}

function listV5(backend: EmqxBackend, query: URLSearchParams, response: ServerResponse): void {
  const page = positiveInteger(query.get('page'), 1);
  const limit = positiveInteger(query.get('limit'), 100);
  // `emqx_dashboard_swagger`: page ≥ 1, 1 ≤ limit ≤ 10000.
  if (page === undefined || limit === undefined || limit > 10_000) {
    return json(response, 400, { code: 'INVALID_PARAMETER', message: 'page and limit must be positive integers, limit at most 10000' });
  }
  const fields = query.get('fields') ?? 'all';
  const requested = fields === 'all' ? undefined : fields.split(',').filter((name) => name !== '');
  const unknown = requested?.filter((name) => !V5_FIELDS.has(name));
  if (unknown && unknown.length > 0) return json(response, 400, { code: 'INVALID_PARAMETER', message: `unknown fields: ${unknown.join(',')}` });
  const { rows, hasnext, count } = pageOf(backend.clients(), page, limit);
  const data = rows.map((client) => {
    const full = renderV5(client);
    return requested ? Object.fromEntries(requested.filter((name) => name in full).map((name) => [name, full[name]])) : full;
  });
  json(response, 200, { data, meta: { page, limit, hasnext, count } });
}

function listV4(backend: EmqxBackend, query: URLSearchParams, response: ServerResponse): void {
  // 4.4 defaults: _page 1, _limit the max row limit (10000).
  const page = positiveInteger(query.get('_page'), 1) ?? 1;
  const limit = positiveInteger(query.get('_limit'), 10_000) ?? 10_000;
  const { rows, hasnext, count } = pageOf(backend.clients(), page, limit);
  json(response, 200, { code: 0, data: rows.map(renderV4), meta: { page, limit, hasnext, count } });
}

function pageOf(clients: EmqxClient[], page: number, limit: number): { rows: EmqxClient[]; hasnext: boolean; count: number } {
  const start = (page - 1) * limit;
  return { rows: clients.slice(start, start + limit), hasnext: clients.length > start + limit, count: clients.length };
}

function positiveInteger(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/** The EMQX 5 object (`format_channel_info/3` with fields=all): no zone, times RFC 3339. */
function renderV5(client: EmqxClient): Record<string, unknown> {
  const { zone: _zone, connected_at, created_at, disconnected_at, ...rest } = client;
  return {
    ...Object.fromEntries(DOTTED_COUNTERS.map((name) => [name, 0])),
    is_expired: false,
    durable: false,
    ...rest,
    connected_at: rfc3339(connected_at),
    created_at: rfc3339(created_at),
    disconnected_at: disconnected_at == null ? null : rfc3339(disconnected_at),
  };
}

/** Every name `fields` takes (5.8's `fields(client)`, plus `client_attrs`). */
const V5_FIELDS = new Set([
  ...Object.keys(
    renderV5({
      clientid: '',
      username: null,
      node: '',
      connected: true,
      connected_at: 0,
      created_at: 0,
      ip_address: '',
      port: 0,
      proto_name: '',
      proto_ver: 0,
      keepalive: 0,
      clean_start: true,
      expiry_interval: 0,
      is_bridge: false,
      mountpoint: null,
      subscriptions_cnt: 0,
      subscriptions_max: 0,
      inflight_cnt: 0,
      inflight_max: 0,
      mqueue_len: 0,
      mqueue_max: 0,
      mqueue_dropped: 0,
      awaiting_rel_cnt: 0,
      awaiting_rel_max: 0,
      mailbox_len: 0,
      heap_size: 0,
      reductions: 0,
      recv_oct: 0,
      recv_cnt: 0,
      recv_pkt: 0,
      recv_msg: 0,
      send_oct: 0,
      send_cnt: 0,
      send_pkt: 0,
      send_msg: 0,
    }),
  ),
  'client_attrs',
]);

/** The EMQX 4.4 object (`format_channel_info/1` + `format/1`). */
function renderV4(client: EmqxClient): Record<string, unknown> {
  const limit = (value: number | 'infinity') => (value === 'infinity' ? 0 : value);
  return {
    ...Object.fromEntries(DOTTED_COUNTERS.filter((name) => name !== 'recv_msg.dropped.await_pubrel_timeout').map((name) => [name, client[name] ?? 0])),
    connected: client.connected,
    subscriptions_cnt: client.subscriptions_cnt,
    max_subscriptions: limit(client.subscriptions_max),
    inflight: client.inflight_cnt,
    max_inflight: client.inflight_max,
    awaiting_rel: client.awaiting_rel_cnt,
    max_awaiting_rel: client.awaiting_rel_max,
    mqueue_len: client.mqueue_len,
    mqueue_dropped: client.mqueue_dropped,
    max_mqueue: limit(client.mqueue_max),
    heap_size: client.heap_size,
    reductions: client.reductions,
    mailbox_len: client.mailbox_len,
    recv_cnt: client.recv_cnt,
    recv_msg: client.recv_msg,
    recv_oct: client.recv_oct,
    recv_pkt: client.recv_pkt,
    send_cnt: client.send_cnt,
    send_msg: client.send_msg,
    send_oct: client.send_oct,
    send_pkt: client.send_pkt,
    clientid: client.clientid,
    // jsx encodes the atom `undefined` as a string.
    username: client.username ?? 'undefined',
    mountpoint: client.mountpoint ?? 'undefined',
    is_bridge: client.is_bridge,
    zone: client.zone ?? 'external',
    clean_start: client.clean_start,
    keepalive: client.keepalive,
    expiry_interval: client.expiry_interval,
    proto_name: client.proto_name,
    proto_ver: client.proto_ver,
    node: client.node,
    ip_address: client.ip_address,
    port: client.port,
    connected_at: v4Time(client.connected_at),
    created_at: v4Time(client.created_at),
    ...(client.disconnected_at == null ? {} : { disconnected_at: v4Time(client.disconnected_at) }),
  };
}

/** `calendar:system_time_to_rfc3339(Ms, [{unit, millisecond}])` on a UTC host: "2026-11-28T06:39:21.123+00:00". */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** `emqx_mgmt_util:strftime(Ms div 1000)`: "YYYY-MM-DD HH:mm:ss", here in UTC. */
function v4Time(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function clientNotFound(response: ServerResponse): void {
  json(response, 404, { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
}

function unauthorized(response: ServerResponse, dialect: 'v5' | 'v4'): void {
  if (dialect === 'v5') {
    response.setHeader('www-authenticate', 'Basic Realm="emqx-dashboard"');
    return json(response, 401, { code: 'BAD_API_KEY_OR_SECRET', message: 'Check api_key/api_secret' });
  }
  response.writeHead(401, { 'www-authenticate': 'Basic Realm="minirest-server"', 'content-type': 'text/plain' }).end('UNAUTHORIZED');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
