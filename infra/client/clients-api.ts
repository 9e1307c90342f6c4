/**
 * A typed client of the clients API: list (an async iterator over cursor
 * pages), get, kick (its outcomes as values), bulk kick, nodes and
 * subscriptions; requests signed with SigV4 or sent with HTTP Basic. It
 * speaks the native routes, or EMQX 4.4's `/api/v4` ones (which deployed
 * take an app's Basic credentials).
 */
import type { BulkKickResult } from '../../functions/clients/bulk-kick.js';
import type { ClientObject } from '../../functions/clients/render.js';
import type { ListMeta } from '../../functions/clients/list-clients.js';
import type { ConnState } from '../../functions/sessions/model.js';
import { escapeUri, filterQuery, queryString, type ClientFilter, type Query } from './query.js';
import { sigV4Signer, type SigV4Options } from './sigv4.js';

export type { ClientFilter } from './query.js';
export type { ClientObject, ListMeta };

export type Auth = { basic: { id: string; secret: string } } | { sigv4: SigV4Options };

export type ClientsApiOptions = {
  /** The API's base URL: the deployed stage URL, or http://127.0.0.1:8080. */
  url: string;
  auth: Auth;
  /** The native routes (the default), or `/api/v4`'s. */
  surface?: 'native' | 'emqx4';
  fetch?: typeof fetch;
};

/** One page of a listing; `data` rows hold only the asked-for fields when `fields` is set. */
export type ClientPage = { data: Partial<ClientObject>[]; meta: ListMeta };
export type ListOptions = {
  /** Rows per request (1 to 1000; default 1000, the fewest requests). */
  pageSize?: number;
};

export type KickOutcome =
  | { status: 200; outcome: 'kicked' }
  | { status: 202; outcome: 'pending' }
  | { status: 404; outcome: 'not-found' };

export type Subscription = { node: string; clientid: string; topic: string; qos: number };
/** A broker node and its sessions; the count by state on the native routes only. */
export type NodeSessions = { node: string; sessions: number } & Partial<Record<ConnState, number>>;

/** The API refused or failed a request: its HTTP status and `{code, message}` (API Gateway's own refusals have no code). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(`HTTP ${status}${code !== undefined ? ` code ${code}` : ''}: ${message}`);
    this.name = 'ApiCallError';
  }
}

/** `POST /clients/kickout/bulk` takes at most this many clientids; longer lists go in several requests. */
export const BULK_KICK_BATCH = 100;
export const MAX_PAGE_SIZE = 1000;

type Answer = { status: number; body: unknown };

export class ClientsApi {
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly prefix: string;
  private readonly v4: boolean;
  private readonly authorize: (method: string, url: URL, path: string, query: Query, body?: string) => Promise<Record<string, string>>;

  constructor(options: ClientsApiOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.fetch = options.fetch ?? fetch;
    this.v4 = options.surface === 'emqx4';
    this.prefix = this.v4 ? 'api/v4/' : '';
    if ('basic' in options.auth) {
      const header = `Basic ${Buffer.from(`${options.auth.basic.id}:${options.auth.basic.secret}`).toString('base64')}`;
      this.authorize = async () => ({ authorization: header });
    } else {
      const sign = sigV4Signer(options.auth.sigv4);
      this.authorize = (method, url, path, query, body) =>
        sign({ method, url, path, query, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body } : {}) });
    }
  }

  /** Every matching client, page by page: one request per page, following `meta.cursor`. */
  async *pages(filter: ClientFilter = {}, options: ListOptions = {}): AsyncGenerator<ClientPage> {
    const base = { ...filterQuery(filter), _limit: String(options.pageSize ?? MAX_PAGE_SIZE) };
    let next: Query = base;
    for (;;) {
      const page = (await this.expect('GET', `${this.prefix}clients`, next, [200])).body as ClientPage;
      yield page;
      if (!page.meta.hasnext) return;
      // Without a cursor (an API run without a cursor secret), the next page by number.
      next = page.meta.cursor !== undefined ? { ...base, _cursor: page.meta.cursor } : { ...base, _page: String(page.meta.page + 1) };
    }
  }

  /** Every matching client, newest first. */
  async *list(filter: ClientFilter = {}, options: ListOptions = {}): AsyncGenerator<Partial<ClientObject>> {
    for await (const page of this.pages(filter, options)) yield* page.data;
  }

  /** The client, or undefined if there is none. */
  async get(clientid: string): Promise<ClientObject | undefined> {
    const { body } = await this.expect('GET', `${this.prefix}clients/${escapeUri(clientid)}`, {}, [200]);
    return (body as { data: ClientObject[] }).data[0];
  }

  /**
   * Kicks the client: 200 kicked and confirmed, 202 taken by the broker but
   * not confirmed yet, 404 no such client. `/api/v4` answers HTTP 200 for
   * all three, as EMQX 4.4 does: pending is told by its message, an unknown
   * client is not told at all.
   */
  async kick(clientid: string): Promise<KickOutcome> {
    const { status, body } = await this.expect('DELETE', `${this.prefix}clients/${escapeUri(clientid)}`, {}, [200, 202, 404]);
    if (this.v4) return (body as { message?: string }).message === 'kick pending' ? { status: 202, outcome: 'pending' } : { status: 200, outcome: 'kicked' };
    if (status === 200) return { status, outcome: 'kicked' };
    if (status === 202) return { status, outcome: 'pending' };
    return { status: 404, outcome: 'not-found' };
  }

  /** Kicks every clientid (in requests of up to 100): the outcome of each, in the order given. */
  async kickMany(clientids: readonly string[]): Promise<BulkKickResult[]> {
    // EMQX 4.4 has no bulk kick: one request per clientid.
    if (this.v4) return Promise.all(clientids.map(async (clientid) => ({ clientid, outcome: (await this.kick(clientid)).outcome })));
    const results: BulkKickResult[] = [];
    for (let at = 0; at < clientids.length; at += BULK_KICK_BATCH) {
      const batch = JSON.stringify(clientids.slice(at, at + BULK_KICK_BATCH));
      const { body } = await this.expect('POST', 'clients/kickout/bulk', {}, [200], batch);
      results.push(...(body as { data: BulkKickResult[] }).data);
    }
    return results;
  }

  /** Every broker node that holds sessions, with its sessions by state. */
  async nodes(): Promise<NodeSessions[]> {
    const { body } = await this.expect('GET', `${this.prefix}nodes`, {}, [200]);
    if (!this.v4) return (body as { data: NodeSessions[] }).data;
    return (body as { data: { node: string; connections: number }[] }).data.map(({ node, connections }) => ({ node, sessions: connections }));
  }

  /** The client's subscriptions, or undefined if there is no such client (`/api/v4`: none, as EMQX 4.4). */
  async subscriptions(clientid: string): Promise<Subscription[] | undefined> {
    const path = this.v4 ? `api/v4/subscriptions/${escapeUri(clientid)}` : `clients/${escapeUri(clientid)}/subscriptions`;
    const { status, body } = await this.expect('GET', path, {}, [200, 404]);
    return status === 404 ? undefined : (body as { data: Subscription[] }).data;
  }

  /** The raw answer of any route (an `/api/v4` or `/api/v5` one too), signed or with Basic as configured. */
  async request(method: string, relativePath: string, query: Query = {}, body?: string): Promise<Answer & { headers: Headers }> {
    const url = new URL(relativePath.replace(/^\//, ''), this.base);
    const qs = queryString(query);
    url.search = qs;
    const headers = await this.authorize(method, url, url.pathname, query, body);
    const response = await this.fetch(url, {
      method,
      headers: { accept: 'application/json', ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  private async expect(method: string, path: string, query: Query, statuses: number[], body?: string): Promise<Answer> {
    const answer = await this.request(method, path, query, body);
    const error = (answer.body ?? {}) as { code?: unknown; message?: unknown };
    // EMQX 4.4 answers a bad parameter with HTTP 200 and a nonzero code.
    const refusedIn200 = answer.status === 200 && typeof error.code === 'number' && error.code !== 0;
    if (statuses.includes(answer.status) && !refusedIn200) return answer;
    throw new ApiCallError(
      answer.status,
      typeof error.code === 'number' ? error.code : undefined,
      typeof error.message === 'string' ? error.message : typeof answer.body === 'string' ? answer.body : 'no message',
    );
  }
}
