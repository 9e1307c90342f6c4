/**
 * EMQX 4.4's list parameters (emqx_mgmt_api_clients.erl ?CLIENT_QS_SCHEMA,
 * emqx_mgmt_api.erl): the native names, with 4.4's types. A value of the
 * right type that names nothing (an unknown `conn_state`, a zone no session
 * has) matches nothing, as in EMQX; a value of the wrong type is code 108.
 */
import * as z from '../../validation/zod.js';
import { fieldList, MAX_OFFSET_ROWS, NATIVE_GRAMMAR, NO_MATCH, type QueryGrammar } from '../../clients/query-params.js';
import { CONN_STATES, PROTO_NAMES } from '../../sessions/model.js';
import { EMQX4_CLIENT_FIELDS } from './client.js';

/** emqx_mgmt:max_row_limit(): `_limit`'s default, and here its maximum too. */
export const EMQX4_MAX_LIMIT = 10_000;

const integer = z.pipe(z.string().check(z.regex(/^-?\d{1,15}$/, 'an integer')), z.transform(Number));

/** One of `values`, or NO_MATCH for any other string (EMQX turns it into an atom no session has). */
const oneOf = <T extends string>(values: readonly T[]) =>
  z.pipe(
    z.string(),
    z.transform((value: string): T | typeof NO_MATCH => ((values as readonly string[]).includes(value) ? (value as T) : NO_MATCH)),
  );

/** EMQX 4.4's aton/1: dot-separated integers; anything but four of 0..255 names no session. */
const ipv4 = z.pipe(
  z.string().check(z.regex(/^-?\d+(\.-?\d+)*$/, 'an IPv4 address (dotted decimal)')),
  z.transform((value: string) => {
    const parts = value.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isSafeInteger(p) || p < 0 || p > 255)) return NO_MATCH;
    return parts.join('.');
  }),
);

/** Below this an epoch number is seconds, from it milliseconds (10^11 s is in the year 5138). */
const MILLISECONDS_FROM = 1e11;

/**
 * Epoch seconds, as 4.3.12 and later take them, or epoch milliseconds, as
 * clients written for 4.3.0–4.3.11 still send them; as milliseconds.
 */
const epoch = z.pipe(integer, z.transform((n: number) => (Math.abs(n) >= MILLISECONDS_FROM ? n : n * 1000)));

export const EMQX4_GRAMMAR: QueryGrammar = {
  // 4.4 takes the node from the path (`/nodes/{node}/clients`); a `node` parameter is unknown to it, so ignored.
  names: Object.fromEntries(Object.entries(NATIVE_GRAMMAR.names).filter(([name]) => name !== 'node')),
  schemas: {
    ip_address: ipv4,
    conn_state: oneOf(CONN_STATES),
    clean_start: z.pipe(oneOf(['true', 'false'] as const), z.transform((v: 'true' | 'false' | typeof NO_MATCH) => (v === NO_MATCH ? v : v === 'true'))),
    proto_name: oneOf(PROTO_NAMES),
    proto_ver: z.pipe(integer, z.transform((n: number) => (n >= 0 && n <= 255 ? n : NO_MATCH))),
    _gte_created_at: epoch,
    _lte_created_at: epoch,
    _gte_connected_at: epoch,
    _lte_connected_at: epoch,
    _gte_mqueue_len: integer,
    _lte_mqueue_len: integer,
    _gte_mqueue_dropped: integer,
    _lte_mqueue_dropped: integer,
    // 4.4 starts a page of 0 or less at the first row, and shows the number as given.
    _page: z.pipe(integer, z.transform((n: number) => Math.max(n, 1))),
    _limit: integer.check(z.refine((n) => n >= 0 && n <= EMQX4_MAX_LIMIT, `an integer from 0 to ${EMQX4_MAX_LIMIT}`)),
    // 4.4 has no `fields`; ours names the 4.4 client object's fields, so its counters too.
    fields: fieldList(EMQX4_CLIENT_FIELDS),
  },
  defaultLimit: EMQX4_MAX_LIMIT,
  maxOffsetRows: MAX_OFFSET_ROWS,
};

/** `_page` as the caller wrote it, for meta.page (already checked to be an integer). */
export function shownPage(rawQueryString: string, page: number): number {
  const given = new URLSearchParams(rawQueryString).getAll('_page').find((v) => v !== '');
  return given !== undefined && /^-?\d{1,15}$/.test(given) ? Number(given) : page;
}
