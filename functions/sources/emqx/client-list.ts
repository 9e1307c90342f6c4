/**
 * An EMQX cluster's own client list, as reconciliation reads it.
 *
 * EMQX 5 (`GET /api/v5/clients_v2?limit&cursor`, 5.7 on): each node's
 * channel table walked with a continuation, every row in full, the next page
 * named by `meta.cursor`, absent on the last (`list_clients_v2` in
 * `emqx_mgmt_api_clients.erl`): no page number to skip past, and no cost
 * growing with the depth of the page as an offset has. Times are RFC 3339
 * with milliseconds (`emqx_utils_calendar:epoch_to_rfc3339/1`, unit
 * millisecond), so connect times match to the millisecond.
 *
 * EMQX 4.4 (`GET /api/v4/clients?_page&_limit`): times are
 * "YYYY-MM-DD HH:mm:ss" in the broker host's local time, seconds only
 * (`emqx_mgmt_util:strftime/1`). They are read as UTC: run the broker with a
 * UTC clock (as its container images do) or connect times will not match.
 *
 * A lookup asks `GET /api/{v5,v4}/clients/{clientid}`, the clientid one path
 * segment. EMQX's router drops `.` and `..` segments after decoding them, so
 * for those two ids it asks the list filtered on the exact clientid
 * (`clientid=` in both dialects) instead.
 */
import type { BrokerSession, BrokerView } from '../broker-view.js';
import { PROTO_NAMES, STATISTICS_FIELDS, type ConnectionInfo, type ProtoName, type Statistics, type StatisticsField } from '../../sessions/model.js';
import { callEmqxApi, EmqxApiError, type EmqxApiAnswer } from './api.js';
import type { EmqxCredentialsSource } from './api-credentials.js';
import { isDotSegment, pathSegment } from '../path-segment.js';

export { EmqxApiError } from './api.js';

export type EmqxClientListOptions = {
  dialect: 'v5' | 'v4';
  baseUrl: string;
  credentials: EmqxCredentialsSource;
  /** Bound on one page (or one lookup): request and answer. */
  timeoutMs: number;
  pageSize: number;
};

/** The statistics whose EMQX 5 name differs from ours; EMQX 4 lists ours. */
const V5_STATISTICS_NAMES: Partial<Record<StatisticsField, string>> = { inflight: 'inflight_cnt', awaiting_rel: 'awaiting_rel_cnt' };

/** Limits: our name → EMQX 5 name; EMQX 4 lists ours. */
const V5_LIMIT_NAMES = {
  max_subscriptions: 'subscriptions_max',
  max_inflight: 'inflight_max',
  max_mqueue: 'mqueue_max',
  max_awaiting_rel: 'awaiting_rel_max',
} as const;

/** Only what a BrokerSession needs: the 5.x `fields` query keeps pages small. */
export const V5_LIST_FIELDS = [
  'clientid',
  'node',
  'connected',
  'connected_at',
  'created_at',
  'disconnected_at',
  'username',
  'ip_address',
  'port',
  'proto_name',
  'proto_ver',
  'keepalive',
  'clean_start',
  'expiry_interval',
  'is_bridge',
  'mountpoint',
  'subscriptions_cnt',
  ...Object.values(V5_LIMIT_NAMES),
  ...STATISTICS_FIELDS.map((field) => V5_STATISTICS_NAMES[field] ?? field),
] as const;

/** The zone each dialect's sessions get when the list names none (EMQX 5 lists no zone). */
const DEFAULT_ZONE = { v5: 'default', v4: 'external' } as const;

export class EmqxClientList implements BrokerView {
  readonly name: string;
  readonly connectedAtPrecisionMs: number;
  readonly correctsPersistence: boolean;

  constructor(private readonly options: EmqxClientListOptions) {
    this.name = options.dialect === 'v5' ? 'emqx5' : 'emqx4';
    this.connectedAtPrecisionMs = options.dialect === 'v5' ? 1 : 1000;
    // EMQX 4.4's WebHook connect carries neither; its `/api/v4/clients` rows carry both.
    this.correctsPersistence = options.dialect === 'v4';
  }

  /** The cluster's list holds the sessions of all its nodes. */
  covers(_node: string): boolean {
    return true;
  }

  async *sessions(signal: AbortSignal): AsyncIterable<BrokerSession> {
    const pages = this.options.dialect === 'v5' ? this.cursorPages(signal) : this.numberedPages(signal);
    try {
      for await (const rows of pages) {
        for (const row of rows) {
          if (signal.aborted) return;
          const session = toBrokerSession(row, this.options.dialect);
          if (session) yield session;
        }
      }
    } catch (error) {
      // Cut short by the caller: the list ends here, incomplete, as the caller asked.
      if (signal.aborted) return;
      throw error;
    }
  }

  /** EMQX 5: pages of `clients_v2`, each naming the next by its cursor. */
  private async *cursorPages(signal: AbortSignal): AsyncGenerator<unknown[]> {
    let cursor: string | undefined;
    do {
      const path = `/api/v5/clients_v2?limit=${this.options.pageSize}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const body = v5Body(await this.call(path, signal), path);
      const meta = body.meta;
      if (!Array.isArray(body.data) || !isObject(meta) || (meta.cursor !== undefined && typeof meta.cursor !== 'string')) {
        throw new EmqxApiError(`GET ${path}: the answer has no data list or meta`);
      }
      yield body.data;
      cursor = typeof meta.cursor === 'string' && meta.cursor !== '' ? meta.cursor : undefined;
    } while (cursor !== undefined && !signal.aborted);
  }

  /** EMQX 4.4: numbered pages, until `hasnext` is false. */
  private async *numberedPages(signal: AbortSignal): AsyncGenerator<unknown[]> {
    for (let page = 1; !signal.aborted; page += 1) {
      const { rows, hasnext } = await this.page(page, signal);
      yield rows;
      if (!hasnext) return;
    }
  }

  async lookup(clientid: string, signal: AbortSignal): Promise<BrokerSession | undefined> {
    const { dialect } = this.options;
    if (isDotSegment(clientid)) return newestOf((await this.page(1, signal, clientid)).rows, clientid, dialect);
    const path = `/api/${dialect}/clients/${pathSegment(clientid)}`;
    const answer = await this.call(path, signal);
    if (dialect === 'v5') {
      if (answer.status === 404 && isObject(answer.body) && answer.body.code === 'CLIENTID_NOT_FOUND') return undefined;
      if (answer.status !== 200 || !isObject(answer.body)) throw failure('GET', path, answer);
      const session = toBrokerSession(answer.body, dialect);
      if (session && session.conn.clientid !== clientid) throw new EmqxApiError(`GET ${path}: the answer is about another client`);
      return session;
    }
    const body = v4Body(answer, path);
    if (!Array.isArray(body.data)) throw failure('GET', path, answer);
    return newestOf(body.data, clientid, dialect);
  }

  /** One page of the list; with `clientid`, only that client's rows (EMQX's exact `clientid` filter). */
  private async page(page: number, signal: AbortSignal, clientid?: string): Promise<{ rows: unknown[]; hasnext: boolean }> {
    const { dialect, pageSize } = this.options;
    const only = clientid === undefined ? '' : `&clientid=${encodeURIComponent(clientid)}`;
    const path =
      dialect === 'v5'
        ? `/api/v5/clients?page=${page}&limit=${pageSize}&fields=${V5_LIST_FIELDS.join(',')}${only}`
        : `/api/v4/clients?_page=${page}&_limit=${pageSize}${only}`;
    const answer = await this.call(path, signal);
    const body = dialect === 'v5' ? v5Body(answer, path) : v4Body(answer, path);
    const meta = body.meta;
    if (!Array.isArray(body.data) || !isObject(meta) || typeof meta.hasnext !== 'boolean') {
      throw new EmqxApiError(`GET ${path}: the answer has no data list or meta.hasnext`);
    }
    return { rows: body.data, hasnext: meta.hasnext };
  }

  private call(path: string, signal: AbortSignal): Promise<EmqxApiAnswer> {
    const bound = AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]);
    return callEmqxApi(this.options, 'GET', path, bound);
  }
}

/** A client is listed once per node holding a channel of it; the newest connection of `clientid` stands. */
function newestOf(rows: unknown[], clientid: string, dialect: 'v5' | 'v4'): BrokerSession | undefined {
  const sessions = rows.map((row) => toBrokerSession(row, dialect)).filter((s): s is BrokerSession => s?.conn.clientid === clientid);
  return sessions.sort((a, b) => b.conn.connected_at - a.conn.connected_at)[0];
}

function v5Body(answer: EmqxApiAnswer, path: string): Record<string, unknown> {
  if (answer.status !== 200 || !isObject(answer.body)) throw failure('GET', path, answer);
  return answer.body;
}

/** EMQX 4 answers HTTP 200 with `code` 0 on success. */
function v4Body(answer: EmqxApiAnswer, path: string): Record<string, unknown> {
  if (answer.status !== 200 || !isObject(answer.body) || answer.body.code !== 0) throw failure('GET', path, answer);
  return answer.body;
}

function failure(method: string, path: string, answer: EmqxApiAnswer): EmqxApiError {
  const code = isObject(answer.body) && answer.body.code !== undefined ? ` code ${String(answer.body.code)}` : '';
  const why = answer.status === 401 || answer.status === 403 ? ': the API key or secret was refused' : answer.body === undefined ? ' without a JSON body' : '';
  return new EmqxApiError(`${method} ${path}: HTTP ${answer.status}${code}${why}`);
}

/** One listed client as a BrokerSession; undefined for a row too incomplete to name a connection. */
export function toBrokerSession(row: unknown, dialect: 'v5' | 'v4'): BrokerSession | undefined {
  if (!isObject(row)) return undefined;
  const readTime = dialect === 'v5' ? readRfc3339 : readV4Time;
  const clientid = row.clientid;
  const node = row.node;
  const connectedAt = readTime(row.connected_at);
  if (typeof clientid !== 'string' || typeof node !== 'string' || node === '' || connectedAt === undefined) return undefined;
  const limit = (ours: keyof typeof V5_LIMIT_NAMES) => count(row[dialect === 'v5' ? V5_LIMIT_NAMES[ours] : ours]);
  const conn: ConnectionInfo = {
    clientid,
    node,
    conn_id: '',
    connected_at: connectedAt,
    created_at: readTime(row.created_at) ?? connectedAt,
    username: optionalText(row.username, dialect),
    zone: typeof row.zone === 'string' && row.zone !== '' ? row.zone : DEFAULT_ZONE[dialect],
    ip_address: typeof row.ip_address === 'string' ? row.ip_address : '',
    port: count(row.port),
    proto_name: protoName(row.proto_name),
    proto_ver: count(row.proto_ver),
    keepalive: count(row.keepalive),
    clean_start: row.clean_start !== false,
    expiry_interval: count(row.expiry_interval),
    is_bridge: row.is_bridge === true,
    mountpoint: optionalText(row.mountpoint, dialect),
    max_subscriptions: limit('max_subscriptions'),
    max_inflight: limit('max_inflight'),
    max_mqueue: limit('max_mqueue'),
    max_awaiting_rel: limit('max_awaiting_rel'),
  };
  const connected = row.connected === true;
  const statistics = Object.fromEntries(
    STATISTICS_FIELDS.map((field) => [field, count(row[dialect === 'v5' ? (V5_STATISTICS_NAMES[field] ?? field) : field])]),
  ) as Statistics;
  return {
    conn,
    conn_state: connected ? 'connected' : 'disconnected',
    disconnected_at: connected ? null : (readTime(row.disconnected_at) ?? null),
    statistics,
    ...(typeof row.subscriptions_cnt === 'number' ? { subscriptions_cnt: count(row.subscriptions_cnt) } : {}),
  };
}

/** EMQX 5: RFC 3339 (epoch ms accepted too). */
function readRfc3339(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const V4_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** EMQX 4: "YYYY-MM-DD HH:mm:ss", read as UTC. */
function readV4Time(value: unknown): number | undefined {
  const match = typeof value === 'string' ? V4_TIME.exec(value) : null;
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** A non-negative integer; 0 for absent, "infinity" or anything else. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : 0;
}

/**
 * username / mountpoint: EMQX 5 lists null when unset; EMQX 4 encodes the
 * Erlang atom `undefined` as the string "undefined".
 */
function optionalText(value: unknown, dialect: 'v5' | 'v4'): string | null {
  if (typeof value !== 'string') return null;
  if (dialect === 'v4' && value === 'undefined') return null;
  return value;
}

/** The protocol as EMQX lists it (MQTT 3.1 is "MQIsdp"); anything else it may list counts as MQTT. */
function protoName(value: unknown): ProtoName {
  return (PROTO_NAMES as readonly unknown[]).includes(value) ? (value as ProtoName) : 'MQTT';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
