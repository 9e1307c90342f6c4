/**
 * The typed filters of `GET /clients` and their query string, encoded as
 * SigV4 canonicalizes it (RFC 3986), so that what is signed is what is sent.
 */
import type { ParameterName } from '../../functions/clients/query-params.js';
import type { ClientObject } from '../../functions/clients/render.js';
import type { ConnState, ProtoName } from '../../functions/sessions/model.js';

/** An instant: a Date, epoch milliseconds, or an RFC 3339 string. */
export type Instant = Date | number | string;

/** Filters of the native list, by the API's parameter names; they combine with AND. */
export type ClientFilter = {
  /** Exact; several mean any of them (at most 100). */
  clientid?: string | readonly string[];
  username?: string | readonly string[];
  node?: string;
  zone?: string;
  ip_address?: string;
  conn_state?: ConnState;
  clean_start?: boolean;
  proto_name?: ProtoName;
  proto_ver?: number;
  _like_clientid?: string;
  _like_username?: string;
  _gte_created_at?: Instant;
  _lte_created_at?: Instant;
  _gte_connected_at?: Instant;
  _lte_connected_at?: Instant;
  _gte_mqueue_len?: number;
  _lte_mqueue_len?: number;
  _gte_mqueue_dropped?: number;
  _lte_mqueue_dropped?: number;
  /** Only these fields in each row. */
  fields?: readonly (keyof ClientObject)[];
};

// Every filter is a parameter the API reads: a renamed parameter fails to compile here.
type FilterKeysAreParameters = Exclude<keyof ClientFilter, ParameterName | 'clientid' | 'username'>;
const filterKeysAreParameters: [FilterKeysAreParameters] extends [never] ? true : false = true;
void filterKeysAreParameters;

export type Query = Record<string, string | string[]>;

/** Epoch milliseconds are sent as such; below 10^11 the API would read seconds, so those go as RFC 3339. */
function instant(value: Instant): string {
  if (typeof value === 'string') return value;
  const ms = typeof value === 'number' ? value : value.getTime();
  return ms >= 1e11 ? String(ms) : new Date(ms).toISOString();
}

export function filterQuery(filter: ClientFilter): Query {
  const query: Query = {};
  for (const [name, value] of Object.entries(filter) as [keyof ClientFilter, unknown][]) {
    if (value === undefined) continue;
    if (name === 'clientid' || name === 'username') query[name] = typeof value === 'string' ? value : [...(value as string[])];
    else if (name === 'fields') query[name] = (value as string[]).join(',');
    else if (name.endsWith('_created_at') || name.endsWith('_connected_at')) query[name] = instant(value as Instant);
    else query[name] = String(value);
  }
  return query;
}

/** RFC 3986 percent-encoding, as SigV4's canonical query string has it. */
export const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function queryString(query: Query): string {
  return Object.entries(query)
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${escapeUri(name)}=${escapeUri(v)}`))
    .join('&');
}
