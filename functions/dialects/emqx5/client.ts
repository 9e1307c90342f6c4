/**
 * EMQX 5.8's client object (emqx_mgmt_api_clients.erl fields(client),
 * l.528-762, and format_channel_info/3, l.1838-1873): 5.x field names,
 * RFC 3339 times with milliseconds, `fields=` picking a subset.
 *
 * Each field names the session attributes it is made from, so that a page
 * asking only for fields the narrow index holds is served from the index.
 */
import type { LiveSession } from '../../sessions/model.js';

/**
 * `calendar:system_time_to_rfc3339(Ms, [{unit, millisecond}])` on a node in
 * UTC (emqx_utils_calendar.erl:119-120): milliseconds, offset `+00:00`.
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+00:00');
}

type Field = { from: readonly string[]; value: (s: LiveSession) => unknown };

/** A field copied from the record attribute of the same or another name. */
const copy = (attribute: keyof LiveSession): Field => ({ from: [attribute], value: (s) => s[attribute] });
/** A field no source of ours has: a documented constant, read from nothing. */
const constant = (value: unknown): Field => ({ from: [], value: () => value });

const connected = (s: LiveSession) => s.conn_state === 'connected';

/** The fields of fields(client), in its order, and `client_attrs` (fields(requested_client_fields), l.824-828). */
export const EMQX5_CLIENT_FIELDS = {
  awaiting_rel_cnt: copy('awaiting_rel'),
  awaiting_rel_max: copy('max_awaiting_rel'),
  clean_start: copy('clean_start'),
  clientid: copy('clientid'),
  connected: { from: ['connected'], value: connected },
  connected_at: { from: ['connected_at'], value: (s) => rfc3339(s.connected_at) },
  created_at: { from: ['created_at'], value: (s) => rfc3339(s.created_at) },
  // "Only valid and returned when connected is false" (l.560-567).
  disconnected_at: {
    from: ['connected', 'disconnected_at'],
    value: (s) => (connected(s) || s.disconnected_at === null ? undefined : rfc3339(s.disconnected_at)),
  },
  expiry_interval: copy('expiry_interval'),
  heap_size: copy('heap_size'),
  inflight_cnt: copy('inflight'),
  inflight_max: copy('max_inflight'),
  ip_address: copy('ip_address'),
  is_bridge: copy('is_bridge'),
  // In-memory sessions are never shown expired (l.1859-1862); ours are hidden once past their expiry.
  is_expired: constant(false),
  keepalive: copy('keepalive'),
  mailbox_len: copy('mailbox_len'),
  mqueue_dropped: copy('mqueue_dropped'),
  mqueue_len: copy('mqueue_len'),
  mqueue_max: copy('max_mqueue'),
  node: copy('node'),
  port: copy('port'),
  proto_name: copy('proto_name'),
  proto_ver: copy('proto_ver'),
  recv_cnt: copy('recv_cnt'),
  recv_msg: copy('recv_msg'),
  'recv_msg.dropped': copy('recv_msg.dropped'),
  // Counted by no source of ours.
  'recv_msg.dropped.await_pubrel_timeout': constant(0),
  'recv_msg.qos0': copy('recv_msg.qos0'),
  'recv_msg.qos1': copy('recv_msg.qos1'),
  'recv_msg.qos2': copy('recv_msg.qos2'),
  recv_oct: copy('recv_oct'),
  recv_pkt: copy('recv_pkt'),
  reductions: copy('reductions'),
  send_cnt: copy('send_cnt'),
  send_msg: copy('send_msg'),
  'send_msg.dropped': copy('send_msg.dropped'),
  'send_msg.dropped.expired': copy('send_msg.dropped.expired'),
  'send_msg.dropped.queue_full': copy('send_msg.dropped.queue_full'),
  'send_msg.dropped.too_large': copy('send_msg.dropped.too_large'),
  'send_msg.qos0': copy('send_msg.qos0'),
  'send_msg.qos1': copy('send_msg.qos1'),
  'send_msg.qos2': copy('send_msg.qos2'),
  send_oct: copy('send_oct'),
  send_pkt: copy('send_pkt'),
  subscriptions_cnt: copy('subscriptions_cnt'),
  subscriptions_max: copy('max_subscriptions'),
  username: copy('username'),
  mountpoint: copy('mountpoint'),
  // Durable (session storage) sessions are an EMQX feature we do not have: every session is in-memory.
  durable: constant(false),
  client_attrs: constant({}),
} satisfies Record<string, Field>;

export type Emqx5Field = keyof typeof EMQX5_CLIENT_FIELDS;
export const EMQX5_FIELD_NAMES = Object.keys(EMQX5_CLIENT_FIELDS) as Emqx5Field[];

/**
 * Fields of fields(client) that only durable sessions have (l.703-761): an
 * in-memory session's object has no such key, so asking for them selects nothing.
 */
export const DURABLE_ONLY_FIELDS = [
  'n_streams',
  'seqno_q1_comm',
  'seqno_q1_dup',
  'seqno_q1_next',
  'seqno_q2_comm',
  'seqno_q2_dup',
  'seqno_q2_rec',
  'seqno_q2_next',
] as const;

const isShown = (name: string): name is Emqx5Field => Object.hasOwn(EMQX5_CLIENT_FIELDS, name);

/** The session attributes (in the record's names) that these fields are made from. */
export function attributesOf(fields: readonly string[]): string[] {
  return [...new Set(fields.filter(isShown).flatMap((name) => EMQX5_CLIENT_FIELDS[name].from))];
}

/**
 * The client object: every field, or `maps:with(RequestedFields, …)` of it
 * (l.1976-1977): asked-for keys the object lacks are left out.
 */
export function toEmqx5Client(session: LiveSession, fields?: readonly string[]): Record<string, unknown> {
  const names = fields ? fields.filter(isShown) : EMQX5_FIELD_NAMES;
  const client: Record<string, unknown> = {};
  for (const name of names) {
    const value = EMQX5_CLIENT_FIELDS[name].value(session);
    if (value !== undefined) client[name] = value;
  }
  return client;
}
