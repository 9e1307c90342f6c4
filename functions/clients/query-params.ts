/**
 * GET /clients query string → a typed query, or a 400 naming the parameter
 * and what it accepts. Read from the raw query string, since API Gateway joins
 * repeated parameters with commas, and a clientid may hold commas.
 */
import * as z from '../validation/zod.js';
import { invalidParameter } from '../failures.js';
import { isIpAddress, normalizeIp } from '../sessions/ip-address.js';
import { CONN_STATES, PROTO_NAMES } from '../sessions/model.js';
import { CLIENT_FIELDS } from './render.js';
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
  /** 0 asks only whether any row matches (`hasnext`). */
  limit: number;
  cursor: string | undefined;
  /** The filter can match nothing: the answer is an empty page, without a read. */
  impossible?: boolean;
  /**
   * The client fields the page shows (`fields=`), named as the session
   * record names them (`connected` stands for conn_state); undefined: all.
   * When the narrow index projection holds them all, the page is served
   * from the index walk alone.
   */
  fields?: readonly string[];
};

const text = z
  .string()
  .check(z.refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_TEXT_BYTES, `a string of at most ${MAX_TEXT_BYTES} bytes`));

const ipAddress = z.pipe(
  z.string(),
  z.transform((value: string, payload) => (isIpAddress(value) ? normalizeIp(value) : z.reject(payload, 'an IPv4 or IPv6 address'))),
);

const SECONDS_BELOW = 1e11;
const MAX_EPOCH_MS = 1e13 - 1;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch seconds (below 10^11), epoch milliseconds, or RFC 3339; as epoch ms. */
const instant = z.pipe(
  z.string(),
  z.transform((value: string, payload) => {
    let ms: number;
    if (/^\d{1,16}$/.test(value)) {
      const n = Number(value);
      ms = n < SECONDS_BELOW ? n * 1000 : n;
    } else if (RFC3339.test(value)) {
      ms = Date.parse(value.replace(' ', 'T'));
    } else {
      ms = Number.NaN;
    }
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) return z.reject(payload, 'epoch seconds, epoch milliseconds or an RFC 3339 date-time');
    return ms;
  }),
);

const count = z.pipe(z.string().check(z.regex(/^\d{1,15}$/, 'a non-negative integer')), z.transform(Number));

function integerIn(min: number, max: number) {
  return z
    .pipe(z.string().check(z.regex(/^\d{1,10}$/, `an integer from ${min} to ${max}`)), z.transform(Number))
    .check(z.refine((n) => n >= min && n <= max, `an integer from ${min} to ${max}`));
}

/**
 * `fields=`: `all`, or a comma-separated list of the surface's client field
 * names (empty entries skipped); undefined means every field. A name the
 * client object does not have is refused, naming it, as EMQX 5.8 refuses it
 * (a page of empty objects would look like clients without data).
 */
export function fieldList(known: readonly string[]) {
  const names: ReadonlySet<string> = new Set(known);
  return z.pipe(
    z.string(),
    z.transform((value: string, payload) => {
      if (value === 'all') return undefined;
      const asked = [...new Set(value.split(',').filter((name) => name !== ''))];
      const unknown = asked.find((name) => !names.has(name));
      if (asked.length === 0 || unknown !== undefined) {
        return z.reject(payload, `all, or a comma-separated list of client fields${unknown !== undefined ? ` (${unknown} is none)` : ''}`);
      }
      return asked;
    }),
  );
}

/** A parsed value that is well-formed but can match no session (EMQX 4 answers such a filter with an empty page). */
export const NO_MATCH = Symbol('no match');

/** The parameters a surface understands, by their native names; each surface may rename or re-type them. */
export const NATIVE_PARAMETERS = {
  node: text,
  zone: text,
  ip_address: ipAddress,
  conn_state: z.enum(CONN_STATES, { error: `one of ${CONN_STATES.join(', ')}` }),
  clean_start: z.pipe(z.enum(['true', 'false'], { error: 'true or false' }), z.transform((v: 'true' | 'false') => v === 'true')),
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
  _cursor: z.string().check(z.maxLength(4096, 'a cursor from meta.cursor')),
  fields: fieldList(CLIENT_FIELDS),
} as const;

export type ParameterName = keyof typeof NATIVE_PARAMETERS;
type ParameterValues = {
  [K in ParameterName]?: z.output<(typeof NATIVE_PARAMETERS)[K]>;
};

/**
 * How one surface spells and types the list parameters. `names` maps a
 * native name to the surface's (a parameter left out is not understood
 * and, like any unknown parameter, ignored); `schemas` replaces the
 * native schema of a parameter, and may answer NO_MATCH.
 */
export type QueryGrammar = {
  names: Partial<Record<ParameterName | 'clientid' | 'username', string>>;
  schemas?: Partial<Record<ParameterName, z.ZodMiniType>>;
  defaultLimit: number;
  /** Deepest offset page, in rows before it; beyond it `_cursor` is the way on. */
  maxOffsetRows: number;
};

const identity = Object.fromEntries(
  [...Object.keys(NATIVE_PARAMETERS), 'clientid', 'username'].map((n) => [n, n]),
) as QueryGrammar['names'];

export const NATIVE_GRAMMAR: QueryGrammar = { names: identity, defaultLimit: DEFAULT_LIMIT, maxOffsetRows: MAX_OFFSET_ROWS };

function range(gte: number | undefined, lte: number | undefined): Range | undefined {
  if (gte === undefined && lte === undefined) return undefined;
  return { ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) };
}

/**
 * Parses the raw query string. Empty values count as absent; unknown
 * parameters are ignored; a single-valued parameter given twice with
 * different values is a 400.
 */
export function parseClientQuery(rawQueryString: string, grammar: QueryGrammar = NATIVE_GRAMMAR): ClientQuery {
  const params = new URLSearchParams(rawQueryString);
  const parse = <S extends z.ZodMiniType>(name: string, schema: S, value: string): z.output<S> => {
    const result = schema.safeParse(value);
    if (!result.success) throw invalidParameter(name, result.error.issues[0]?.message ?? 'a valid value');
    return result.data;
  };
  const anyOf = (name: string | undefined): string[] | undefined => {
    if (name === undefined) return undefined;
    const distinct = [...new Set(params.getAll(name).filter((v) => v !== ''))];
    if (distinct.length === 0) return undefined;
    if (distinct.length > MAX_ANY_OF) throw invalidParameter(name, `at most ${MAX_ANY_OF} values`);
    for (const value of distinct) parse(name, text, value);
    return distinct;
  };
  const v: ParameterValues = {};
  let impossible = false;
  for (const name of Object.keys(NATIVE_PARAMETERS) as ParameterName[]) {
    const wire = grammar.names[name];
    if (wire === undefined) continue;
    const given = [...new Set(params.getAll(wire).filter((x) => x !== ''))];
    if (given.length === 0) continue;
    if (given.length > 1) throw invalidParameter(wire, 'a single value (it was given more than once, with different values)');
    const value = parse(wire, grammar.schemas?.[name] ?? NATIVE_PARAMETERS[name], given[0] as string);
    if (value === NO_MATCH) impossible = true;
    else (v as Record<string, unknown>)[name] = value;
  }
  const filter: ClientFilter = {};
  const clientids = anyOf(grammar.names.clientid);
  const usernames = anyOf(grammar.names.username);
  if (clientids) filter.clientids = clientids;
  if (usernames) filter.usernames = usernames;
  const exact = ['node', 'zone', 'ip_address', 'conn_state', 'clean_start', 'proto_name', 'proto_ver'] as const;
  for (const name of exact) {
    if (v[name] !== undefined) (filter as Record<string, unknown>)[name] = v[name];
  }
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
  const limit = v._limit ?? grammar.defaultLimit;
  if (v._cursor === undefined && (page - 1) * limit > grammar.maxOffsetRows) {
    throw invalidParameter(
      grammar.names._page ?? '_page',
      `a page starting within the first ${grammar.maxOffsetRows} rows ((page − 1) × limit); use the cursor of meta.cursor to go deeper`,
    );
  }
  const fields = v.fields as readonly string[] | undefined;
  return { filter, page, limit, cursor: v._cursor, ...(impossible ? { impossible } : {}), ...(fields ? { fields } : {}) };
}
