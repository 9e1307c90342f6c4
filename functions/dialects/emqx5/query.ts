/**
 * EMQX 5.8's list parameters (emqx_mgmt_api_clients.erl fields(list_clients_v1_inputs),
 * fields(list_clients_v2_inputs), fields(common_list_clients_input), l.405-517;
 * ?CLIENT_QSCHEMA, l.78-94): names without the 4.x underscore, `page`/`limit`
 * (emqx_dashboard_swagger.erl:91-92, 191-202), times in epoch milliseconds or
 * RFC 3339, `fields=`. `GET /clients` pages by number and takes `node`;
 * `GET /clients_v2` pages by `cursor` and takes neither.
 */
import * as z from '../../validation/zod.js';
import { fieldList, MAX_OFFSET_ROWS, MAX_PAGE, NATIVE_GRAMMAR, NO_MATCH, type QueryGrammar } from '../../clients/query-params.js';
import { isIpAddress, normalizeIp } from '../../sessions/ip-address.js';
import type { Action } from '../surfaces.js';
import { DURABLE_ONLY_FIELDS, EMQX5_FIELD_NAMES } from './client.js';
import { typeMismatch } from './errors.js';

/** emqx_dashboard_swagger.erl:91-92: ?MAX_ROW_LIMIT and ?DEFAULT_ROW. */
export const EMQX5_MAX_LIMIT = 10_000;
export const EMQX5_DEFAULT_LIMIT = 100;

/** emqx_utils_calendar.erl:58: ?MAXIMUM_EPOCH_MILLI, the last millisecond of 9999. */
const MAXIMUM_EPOCH_MILLI = 253_402_214_400_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function integerIn(min: number, max: number) {
  const accepts = `an integer from ${min} to ${max}`;
  return z
    .pipe(z.string().check(z.regex(/^\d{1,10}$/, accepts)), z.transform(Number))
    .check(z.refine((n) => n >= min && n <= max, accepts));
}

/**
 * emqx_utils_calendar:to_epoch_millisecond/1 (l.99-114): an integer is
 * epoch milliseconds as it is (no seconds), anything else RFC 3339.
 */
const epochMillisecond = z.pipe(
  z.string(),
  z.transform((value: string, payload) => {
    const ms = /^\d{1,15}$/.test(value) ? Number(value) : RFC3339.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms) || ms < 0 || ms > MAXIMUM_EPOCH_MILLI) return z.reject(payload, 'epoch milliseconds or an RFC 3339 date-time');
    return ms;
  }),
);

/** ?CLIENT_QSCHEMA `ip` (emqx_mgmt_api.erl:806-807, inet:parse_address): IPv4 or IPv6; else INVALID_PARAMETER. */
const ipAddress = z.pipe(
  z.string(),
  z.transform((value: string, payload) => {
    if (!isIpAddress(value)) {
      return z.reject(payload, typeMismatch('ip_address', 'ip', value));
    }
    return normalizeIp(value);
  }),
);

/**
 * ?CLIENT_QSCHEMA `integer` (emqx_mgmt_api.erl:778-779, binary_to_integer):
 * any integer; one no MQTT version has matches nothing; else INVALID_PARAMETER.
 */
const protoVer = z.pipe(
  z.string(),
  z.transform((value: string, payload) => {
    if (!/^[+-]?\d{1,15}$/.test(value)) return z.reject(payload, typeMismatch('proto_ver', 'integer', value));
    const n = Number(value);
    return n >= 0 && n <= 255 ? n : NO_MATCH;
  }),
);

/**
 * fields(requested_client_fields) (l.824-848): `all`, or comma-separated
 * names of fields(client) plus `client_attrs`; empty entries are dropped
 * (binary:split with trim_all); another name fails the schema check.
 */
const fields = fieldList([...EMQX5_FIELD_NAMES, ...DURABLE_ONLY_FIELDS]);

const common = {
  names: {
    clientid: 'clientid',
    username: 'username',
    ip_address: 'ip_address',
    conn_state: 'conn_state',
    clean_start: 'clean_start',
    proto_ver: 'proto_ver',
    _like_clientid: 'like_clientid',
    _like_username: 'like_username',
    _gte_created_at: 'gte_created_at',
    _lte_created_at: 'lte_created_at',
    _gte_connected_at: 'gte_connected_at',
    _lte_connected_at: 'lte_connected_at',
    _limit: 'limit',
    fields: 'fields',
  },
  schemas: {
    ip_address: ipAddress,
    proto_ver: protoVer,
    _gte_created_at: epochMillisecond,
    _lte_created_at: epochMillisecond,
    _gte_connected_at: epochMillisecond,
    _lte_connected_at: epochMillisecond,
    _page: integerIn(1, MAX_PAGE),
    _limit: integerIn(1, EMQX5_MAX_LIMIT),
    fields,
  },
  defaultLimit: EMQX5_DEFAULT_LIMIT,
} satisfies Partial<QueryGrammar>;

/** `GET /clients` (list_clients_v1_inputs): `page` and `node` beside the common filters. */
export const EMQX5_GRAMMAR: QueryGrammar = {
  ...common,
  names: { ...common.names, _page: 'page', node: 'node' },
  maxOffsetRows: MAX_OFFSET_ROWS,
};

/** `GET /clients_v2` (list_clients_v2_inputs): `cursor` instead of `page` and `node`. */
export const EMQX5_CURSOR_GRAMMAR: QueryGrammar = {
  ...common,
  names: { ...common.names, _cursor: 'cursor' },
  maxOffsetRows: NATIVE_GRAMMAR.maxOffsetRows,
};

export const grammarOf = (action: Action): QueryGrammar => (action === 'listClientsByCursor' ? EMQX5_CURSOR_GRAMMAR : EMQX5_GRAMMAR);
