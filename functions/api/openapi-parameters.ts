/** The parameters of the OpenAPI document's operations: each list parameter typed by the schema its surface's grammar parses it with. */
import * as z from '../validation/zod.js';
import { MAX_ANY_OF, MAX_LIMIT, MAX_PAGE, NATIVE_GRAMMAR, NATIVE_PARAMETERS, type ParameterName, type QueryGrammar } from '../clients/query-params.js';
import { EMQX4_GRAMMAR, EMQX4_MAX_LIMIT } from '../dialects/emqx4/query.js';
import { EMQX5_MAX_LIMIT, grammarOf as emqx5GrammarOf } from '../dialects/emqx5/query.js';
import { MAX_PARTITION_KEY_BYTES } from '../sessions/keys.js';
import type { ApiRoute, Surface } from './routes.js';

export type JsonSchema = Record<string, unknown>;
export type Parameter = { name: string; in: 'query' | 'path'; required?: boolean; description?: string; schema: JsonSchema; style?: string; explode?: boolean };

/** JSON Schema of a zod schema as a caller writes its value (the input side of any transform). */
export function inputSchema(schema: z.ZodMiniType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** What each list parameter means, by its native name (the surface's own name is shown). */
const PARAMETER_DESCRIPTIONS: Record<ParameterName | 'clientid' | 'username', string> = {
  clientid: `Exact clientid; repeat for any of up to ${MAX_ANY_OF}`,
  username: `Exact username; repeat for any of up to ${MAX_ANY_OF}`,
  node: 'Exact broker node name',
  zone: 'Exact zone',
  ip_address: 'Exact client address',
  conn_state: 'Connection state',
  clean_start: 'true or false',
  proto_name: 'Protocol name as the CONNECT gives it',
  proto_ver: 'Protocol version (3, 4, 5)',
  _like_clientid: 'Substring of the clientid, matched literally',
  _like_username: 'Substring of the username, matched literally',
  _gte_created_at: 'Session created at or after',
  _lte_created_at: 'Session created at or before',
  _gte_connected_at: 'Connected at or after',
  _lte_connected_at: 'Connected at or before',
  _gte_mqueue_len: 'Message queue length at least',
  _lte_mqueue_len: 'Message queue length at most',
  _gte_mqueue_dropped: 'Dropped queued messages at least',
  _lte_mqueue_dropped: 'Dropped queued messages at most',
  _page: 'Page number (offset paging), from 1',
  _limit: 'Rows per page',
  _cursor: 'meta.cursor of the previous page: the next page, at any depth',
  fields: 'all, or comma-separated client field names: the rows show only those',
};

const TIME_FORMATS: Record<Surface, string> = {
  native: 'epoch seconds (below 10^11), epoch milliseconds or RFC 3339',
  emqx4: 'epoch seconds',
  emqx5: 'epoch milliseconds or RFC 3339',
};

type IntegerBounds = { minimum?: number; maximum?: number };

/** Up to 15 digits, as the parsers read counts and EMQX 4.4's integers. */
const MAX_DIGITS_15 = 999_999_999_999_999;
const COUNT: IntegerBounds = { minimum: 0, maximum: MAX_DIGITS_15 };
const ANY_INTEGER: IntegerBounds = { minimum: -MAX_DIGITS_15, maximum: MAX_DIGITS_15 };
const MQUEUE = ['_gte_mqueue_len', '_lte_mqueue_len', '_gte_mqueue_dropped', '_lte_mqueue_dropped'] as const;
const TIMES = ['_gte_created_at', '_lte_created_at', '_gte_connected_at', '_lte_connected_at'] as const;
const each = (names: readonly ParameterName[], bounds: IntegerBounds) => Object.fromEntries(names.map((name) => [name, bounds]));

/**
 * The parameters each surface reads as integers, with the bounds its parser
 * checks: documented as integers, so that generated clients take numbers.
 * A value of the right type outside a surface's range that EMQX answers with
 * an empty page (4.4's `proto_ver=300`) is within the documented range.
 */
const INTEGER_PARAMETERS: Record<Surface, Partial<Record<ParameterName, IntegerBounds>>> = {
  native: { proto_ver: { minimum: 0, maximum: 255 }, _page: { minimum: 1, maximum: MAX_PAGE }, _limit: { minimum: 1, maximum: MAX_LIMIT }, ...each(MQUEUE, COUNT) },
  // 4.4 reads every one of these with binary_to_integer; `_page` below 1 is the first page; times are epoch seconds or milliseconds.
  emqx4: { proto_ver: ANY_INTEGER, _page: ANY_INTEGER, _limit: { minimum: 0, maximum: EMQX4_MAX_LIMIT }, ...each(MQUEUE, ANY_INTEGER), ...each(TIMES, ANY_INTEGER) },
  emqx5: { proto_ver: ANY_INTEGER, _page: { minimum: 1, maximum: MAX_PAGE }, _limit: { minimum: 1, maximum: EMQX5_MAX_LIMIT } },
};

/** The default of a paging parameter, where the grammar has one. */
function defaultOf(name: ParameterName, grammar: QueryGrammar): number | undefined {
  if (name === '_limit') return grammar.defaultLimit;
  if (name === '_page') return 1;
  return undefined;
}

function parameterSchema(route: ApiRoute, grammar: QueryGrammar, name: ParameterName): JsonSchema {
  const integer = INTEGER_PARAMETERS[route.surface][name];
  if (!integer) return inputSchema(grammar.schemas?.[name] ?? NATIVE_PARAMETERS[name]);
  const fallback = defaultOf(name, grammar);
  return { type: 'integer', ...integer, ...(fallback !== undefined ? { default: fallback } : {}) };
}

function grammarOf(route: ApiRoute): QueryGrammar {
  switch (route.surface) {
    case 'native':
      return NATIVE_GRAMMAR;
    case 'emqx4':
      return EMQX4_GRAMMAR;
    case 'emqx5':
      return emqx5GrammarOf(route.action);
  }
}

/** The query parameters a list route understands, each typed by the schema its grammar parses it with. */
export function listParameters(route: ApiRoute): Parameter[] {
  const grammar = grammarOf(route);
  const parameters: Parameter[] = [];
  for (const name of ['clientid', 'username'] as const) {
    const wire = grammar.names[name];
    if (wire === undefined) continue;
    parameters.push({
      name: wire,
      in: 'query',
      description: PARAMETER_DESCRIPTIONS[name],
      schema: { type: 'array', items: { type: 'string' }, maxItems: MAX_ANY_OF },
      style: 'form',
      explode: true,
    });
  }
  for (const name of Object.keys(NATIVE_PARAMETERS) as ParameterName[]) {
    const wire = grammar.names[name];
    if (wire === undefined) continue;
    const time = /_(created|connected)_at$/.test(name) ? ` (${TIME_FORMATS[route.surface]})` : '';
    parameters.push({
      name: wire,
      in: 'query',
      description: PARAMETER_DESCRIPTIONS[name] + time,
      schema: parameterSchema(route, grammar, name),
    });
  }
  return parameters;
}

const PATH_PARAMETER_DESCRIPTIONS: Record<string, string> = {
  clientid: `The clientid, URL-encoded: any UTF-8 string of up to ${MAX_PARTITION_KEY_BYTES} bytes without U+0000`,
  username: `The username, URL-encoded: any UTF-8 string of up to ${MAX_PARTITION_KEY_BYTES} bytes without U+0000`,
  node: 'A broker node name',
};

export function pathParameters(route: ApiRoute): Parameter[] {
  return [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name: name!,
    in: 'path' as const,
    required: true,
    description: PATH_PARAMETER_DESCRIPTIONS[name!] ?? name!,
    schema: { type: 'string', minLength: 1 },
  }));
}
