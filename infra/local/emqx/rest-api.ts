/**
 * A loopback stand-in of an EMQX cluster's clients REST API, in both
 * dialects, for tests and for the local stack acting as an EMQX cluster:
 *
 * - EMQX 5.8 (`emqx_mgmt_api_clients.erl`): `GET /api/v5/clients` (page,
 *   limit, fields) → `{data, meta:{page, limit, hasnext, count}}`;
 *   `GET|DELETE /api/v5/clients/{id}` → the client / 204, or 404
 *   `CLIENTID_NOT_FOUND`. Times are RFC 3339 with milliseconds. Bad
 *   credentials: 401 `BAD_API_KEY_OR_SECRET`. `GET /api/v5/clients_v2`
 *   (limit, cursor) → `{data, meta:{count, cursor}}`, `cursor` absent on the
 *   last page; a cursor it did not give → 400 `BAD_REQUEST` "bad cursor".
 * - EMQX 4.4 (`emqx_mgmt_api_clients.erl`, minirest 0.3): `GET /api/v4/clients`
 *   (_page, _limit) → `{code:0, data, meta:{page, limit, hasnext, count}}`;
 *   `GET /api/v4/clients/{id}` → `{code:0, data:[client]}` or `data:[]`;
 *   `DELETE /api/v4/clients/{id}` → `{code:0}`, for an unknown client too.
 *   4.4 field names (`max_*`, `inflight`, `awaiting_rel`), times
 *   "YYYY-MM-DD HH:mm:ss" (rendered in UTC), username/mountpoint "undefined"
 *   when unset. Bad credentials: 401 `UNAUTHORIZED` as text.
 *
 * Both lists take `clientid` (exact match). Paths are routed as cowboy's
 * router does (`rest-route.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAuthorized } from '../../../functions/apps/basic-auth.js';
import { renderV4, renderV5, V5_FIELDS, type EmqxClient } from './client-json.js';
import { clientAction } from './client-actions.js';
import { routeOf } from './rest-route.js';
import { splitTarget } from '../request-target.js';

export type { EmqxClient } from './client-json.js';

export type EmqxBackend = {
  /** Every client the cluster holds, in a stable order. */
  clients(): EmqxClient[];
  /** Kicks the client; false when the cluster holds no such client. */
  kick(clientid: string): Promise<boolean>;
  /** The node name the cluster's answers show. */
  node?: string;
  /** Subscribes a connected client on its behalf; false when the cluster does not have it connected (or cannot subscribe). */
  subscribe?(clientid: string, topic: string, qos: 0 | 1 | 2): Promise<boolean>;
  unsubscribe?(clientid: string, topic: string): Promise<boolean>;
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


async function handle(backend: EmqxBackend, expected: { appId: string; appSecret: string }, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { rawPath, query } = splitTarget(request.url ?? '/');
  const route = routeOf(rawPath);
  if (route === undefined) return json(response, 404, { code: 'NOT_FOUND', message: 'Request path not found' });
  if (route === 'malformed') return json(response, 400, { code: 'INVALID_PARAMETER', message: 'malformed client ID' });
  if (!isAuthorized(request.headers.authorization, expected)) return unauthorized(response, route.dialect);
  const { dialect, clientid } = route;
  const method = request.method ?? 'GET';
  if (route.action) return clientAction(backend, { dialect, clientid, action: route.action, method, body: Buffer.concat(chunks).toString('utf8') }, response);

  if (clientid === undefined) {
    if (method !== 'GET') return json(response, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' });
    if (route.cursor) return listV5Cursor(backend, query, response);
    return dialect === 'v5' ? listV5(backend, query, response) : listV4(backend, query, response);
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
  const { rows, hasnext, count } = pageOf(filtered(backend, query), page, limit);
  const data = rows.map((client) => {
    const full = renderV5(client);
    return requested ? Object.fromEntries(requested.filter((name) => name in full).map((name) => [name, full[name]])) : full;
  });
  json(response, 200, { data, meta: { page, limit, hasnext, count } });
}

/**
 * `clients_v2`: EMQX walks each node's channel table with an ETS continuation
 * and answers every row in full (no `fields`); here the cursor is an opaque
 * position in the list, which, as EMQX's, can skip or repeat a client while
 * the set changes.
 */
function listV5Cursor(backend: EmqxBackend, query: URLSearchParams, response: ServerResponse): void {
  const limit = positiveInteger(query.get('limit'), 100);
  if (limit === undefined || limit > 10_000) return json(response, 400, { code: 'INVALID_PARAMETER', message: 'limit must be a positive integer, at most 10000' });
  const cursor = query.get('cursor');
  const start = cursor === null ? 0 : positionOf(cursor);
  if (start === undefined) return json(response, 400, { code: 'BAD_REQUEST', message: 'bad cursor' });
  const clients = filtered(backend, query);
  const rows = clients.slice(start, start + limit);
  const next = start + rows.length;
  const meta = next < clients.length ? { count: rows.length, cursor: Buffer.from(`at:${next}`).toString('base64url') } : { count: rows.length };
  json(response, 200, { data: rows.map(renderV5), meta });
}

function positionOf(cursor: string): number | undefined {
  const match = /^at:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

function listV4(backend: EmqxBackend, query: URLSearchParams, response: ServerResponse): void {
  // 4.4 defaults: _page 1, _limit the max row limit (10000).
  const page = positiveInteger(query.get('_page'), 1) ?? 1;
  const limit = positiveInteger(query.get('_limit'), 10_000) ?? 10_000;
  const { rows, hasnext, count } = pageOf(filtered(backend, query), page, limit);
  json(response, 200, { code: 0, data: rows.map(renderV4), meta: { page, limit, hasnext, count } });
}

/** The `clientid` query (exact match); absent, every client. */
function filtered(backend: EmqxBackend, query: URLSearchParams): EmqxClient[] {
  const clientid = query.get('clientid');
  const clients = backend.clients();
  return clientid === null ? clients : clients.filter((client) => client.clientid === clientid);
}

function pageOf(clients: EmqxClient[], page: number, limit: number): { rows: EmqxClient[]; hasnext: boolean; count: number } {
  const start = (page - 1) * limit;
  return { rows: clients.slice(start, start + limit), hasnext: clients.length > start + limit, count: clients.length };
}

function positiveInteger(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
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
