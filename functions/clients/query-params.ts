/**
 * GET /clients query string → a typed query, or a 400 naming the parameter
 * and what it accepts. Read from the raw query string, since API Gateway joins
 * repeated parameters with commas, and a clientid may hold commas.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { InvalidParameterError } from '../http/errors.js';
import { CONN_STATES, PROTO_NAMES } from '../sessions/model.js';
import type { ClientFilter, Range } from './filter.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const MAX_PAGE = 1_000_000;
/**
 * Offset paging walks every row before the page; beyond this many rows it
 * would outlast the function's time limit. `_cursor` reaches any depth.
 */
export const MAX_OFFSET_ROWS = 100_000;
/** DynamoDB's IN takes at most 100 values. */
export const MAX_ANY_OF = 100;
const MAX_TEXT_BYTES = 2048;

export type ClientQuery = {
  filter: ClientFilter;
  page: number;
  limit: number;
  cursor: string | undefined;
};

const text = z
  .string()
  .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_TEXT_BYTES, `a string of at most ${MAX_TEXT_BYTES} bytes`);

/**
 * Dotted-quad IPv4 or IPv6 without a zone: ipaddr.isValid also takes shorthand
 * and octal IPv4 (`10`, `010.0.0.1`), which name other addresses, and a zone
 * id (`fe80::1%eth0`) is never part of a stored address.
 */
const isIpAddress = (value: string) =>
  ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes('%'));

const ipAddress = z.string().transform((value, ctx) => {
  if (!isIpAddress(value)) {
    ctx.addIssue({ code: 'custom', message: 'an IPv4 or IPv6 address' });
    return z.NEVER;
  }
  return normalizeIp(value);
});

/** One spelling per address, so that exact matches work: IPv4-mapped IPv6 becomes IPv4, IPv6 is compressed. */
export function normalizeIp(value: string): string {
  return ipaddr.process(value).toString();
}

const SECONDS_BELOW = 1e11;
const MAX_EPOCH_MS = 1e13 - 1;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch seconds (below 10^11), epoch milliseconds, or RFC 3339; as epoch ms. */
const instant = z.string().transform((value, ctx) => {
  let ms: number;
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    ms = n < SECONDS_BELOW ? n * 1000 : n;
  } else if (RFC3339.test(value)) {
    ms = Date.parse(value.replace(' ', 'T'));
  } else {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) {
    ctx.addIssue({ code: 'custom', message: 'epoch seconds, epoch milliseconds or an RFC 3339 date-time' });
    return z.NEVER;
  }
  return ms;
});

const count = z
  .string()
  .regex(/^\d{1,15}$/, 'a non-negative integer')
  .transform(Number);

function integerIn(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,10}$/, `an integer from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `an integer from ${min} to ${max}`);
}

const single = {
  zone: text,
  ip_address: ipAddress,
  conn_state: z.enum(CONN_STATES, { error: `one of ${CONN_STATES.join(', ')}` }),
  clean_start: z.enum(['true', 'false'], { error: 'true or false' }).transform((v) => v === 'true'),
  proto_name: z.enum(PROTO_NAMES, { error: `one of ${PROTO_NAMES.join(', ')}` }),
  proto_ver: integerIn(0, 255),
  _like_clientid: text,
  _like_username: text,
  _gte_created_at: instant,
  _lte_created_at: instant,
  _gte_connected_at: instant,
  _lte_connected_at: instant,
  _gte_mqueue_len: count,
  _lte_mqueue_len: count,
  _gte_mqueue_dropped: count,
  _lte_mqueue_dropped: count,
  _page: integerIn(1, MAX_PAGE),
  _limit: integerIn(1, MAX_LIMIT),
  _cursor: z.string().max(4096, 'a cursor from meta.cursor'),
} as const;

type SingleName = keyof typeof single;
type SingleValues = { [K in SingleName]?: z.output<(typeof single)[K]> };

function parseValue<S extends z.ZodType>(name: string, schema: S, value: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidParameterError(name, result.error.issues[0]?.message ?? 'a valid value');
  return result.data;
}

function anyOf(name: string, values: string[]): string[] | undefined {
  const distinct = [...new Set(values.filter((v) => v !== ''))];
  if (distinct.length === 0) return undefined;
  if (distinct.length > MAX_ANY_OF) throw new InvalidParameterError(name, `at most ${MAX_ANY_OF} values`);
  for (const value of distinct) parseValue(name, text, value);
  return distinct;
}

function range(gte: number | undefined, lte: number | undefined): Range | undefined {
  if (gte === undefined && lte === undefined) return undefined;
  return { ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) };
}

/**
 * Parses the raw query string. Empty values count as absent; unknown
 * parameters are ignored; a single-valued parameter given twice with
 * different values is a 400.
 */
export function parseClientQuery(rawQueryString: string): ClientQuery {
  const params = new URLSearchParams(rawQueryString);
  const v: SingleValues = {};
  for (const name of Object.keys(single) as SingleName[]) {
    const given = [...new Set(params.getAll(name).filter((x) => x !== ''))];
    if (given.length === 0) continue;
    if (given.length > 1) throw new InvalidParameterError(name, 'a single value (it was given more than once, with different values)');
    (v as Record<string, unknown>)[name] = parseValue(name, single[name], given[0] as string);
  }
  const filter: ClientFilter = {};
  const clientids = anyOf('clientid', params.getAll('clientid'));
  const usernames = anyOf('username', params.getAll('username'));
  if (clientids) filter.clientids = clientids;
  if (usernames) filter.usernames = usernames;
  if (v.zone !== undefined) filter.zone = v.zone;
  if (v.ip_address !== undefined) filter.ip_address = v.ip_address;
  if (v.conn_state !== undefined) filter.conn_state = v.conn_state;
  if (v.clean_start !== undefined) filter.clean_start = v.clean_start;
  if (v.proto_name !== undefined) filter.proto_name = v.proto_name;
  if (v.proto_ver !== undefined) filter.proto_ver = v.proto_ver;
  if (v._like_clientid !== undefined) filter.like_clientid = v._like_clientid;
  if (v._like_username !== undefined) filter.like_username = v._like_username;
  const ranges = {
    created_at: range(v._gte_created_at, v._lte_created_at),
    connected_at: range(v._gte_connected_at, v._lte_connected_at),
    mqueue_len: range(v._gte_mqueue_len, v._lte_mqueue_len),
    mqueue_dropped: range(v._gte_mqueue_dropped, v._lte_mqueue_dropped),
  };
  for (const [name, value] of Object.entries(ranges)) {
    if (value) filter[name as keyof typeof ranges] = value;
  }
  const page = v._page ?? 1;
  const limit = v._limit ?? DEFAULT_LIMIT;
  if (v._cursor === undefined && (page - 1) * limit > MAX_OFFSET_ROWS) {
    throw new InvalidParameterError(
      '_page',
      `a page starting within the first ${MAX_OFFSET_ROWS} rows (_page × _limit); use meta.cursor to go deeper`,
    );
  }
  return { filter, page, limit, cursor: v._cursor };
}

/** Whether the query filters at all, and whether only by conn_state (the cases with an exact count). */
export function filterKind(filter: ClientFilter): 'none' | 'conn_state' | 'other' {
  const keys = Object.keys(filter);
  if (keys.length === 0) return 'none';
  if (keys.length === 1 && keys[0] === 'conn_state') return 'conn_state';
  return 'other';
}
