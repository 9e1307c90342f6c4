/**
 * The EMQX clients API's client object, as the stand-in renders it per
 * dialect: EMQX 5.8's (`format_channel_info/3`) and 4.4's
 * (`format_channel_info/1` + `format/1`).
 */
import { QOS_COUNTER_FIELDS } from '../../../functions/sessions/model.js';

/**
 * Counters both dialects list under these names beside the main ones; 5.x
 * also lists the await-PUBREL drops that 4.4's format_channel_info/1 leaves out.
 */
const DOTTED_COUNTERS = [...QOS_COUNTER_FIELDS, 'recv_msg.dropped.await_pubrel_timeout'] as const;

/** The EMQX 5 client object, with the three times as epoch ms (rendered per dialect). */
export type EmqxClient = {
  clientid: string;
  username: string | null;
  node: string;
  connected: boolean;
  connected_at: number;
  created_at: number;
  /** Set once the client has disconnected. */
  disconnected_at?: number | null;
  ip_address: string;
  port: number;
  proto_name: string;
  proto_ver: number;
  keepalive: number;
  clean_start: boolean;
  /** Seconds. */
  expiry_interval: number;
  is_bridge: boolean;
  mountpoint: string | null;
  is_expired?: boolean;
  durable?: boolean;
  /** EMQX 5 does not list it; EMQX 4 does (default `external`). */
  zone?: string;
  subscriptions_cnt: number;
  subscriptions_max: number | 'infinity';
  inflight_cnt: number;
  inflight_max: number;
  mqueue_len: number;
  mqueue_max: number | 'infinity';
  mqueue_dropped: number;
  awaiting_rel_cnt: number;
  awaiting_rel_max: number;
  mailbox_len: number;
  heap_size: number;
  reductions: number;
  recv_oct: number;
  recv_cnt: number;
  recv_pkt: number;
  recv_msg: number;
  send_oct: number;
  send_cnt: number;
  send_pkt: number;
  send_msg: number;
} & Partial<Record<(typeof DOTTED_COUNTERS)[number], number>>;

/** The EMQX 5 object (`format_channel_info/3` with fields=all): no zone, times RFC 3339. */
export function renderV5(client: EmqxClient): Record<string, unknown> {
  const { zone: _zone, connected_at, created_at, disconnected_at, ...rest } = client;
  return {
    ...Object.fromEntries(DOTTED_COUNTERS.map((name) => [name, 0])),
    is_expired: false,
    durable: false,
    ...rest,
    connected_at: rfc3339(connected_at),
    created_at: rfc3339(created_at),
    disconnected_at: disconnected_at == null ? null : rfc3339(disconnected_at),
  };
}

/** Every name `fields` takes (5.8's `fields(client)`, plus `client_attrs`). */
export const V5_FIELDS = new Set([
  ...Object.keys(
    renderV5({
      clientid: '',
      username: null,
      node: '',
      connected: true,
      connected_at: 0,
      created_at: 0,
      ip_address: '',
      port: 0,
      proto_name: '',
      proto_ver: 0,
      keepalive: 0,
      clean_start: true,
      expiry_interval: 0,
      is_bridge: false,
      mountpoint: null,
      subscriptions_cnt: 0,
      subscriptions_max: 0,
      inflight_cnt: 0,
      inflight_max: 0,
      mqueue_len: 0,
      mqueue_max: 0,
      mqueue_dropped: 0,
      awaiting_rel_cnt: 0,
      awaiting_rel_max: 0,
      mailbox_len: 0,
      heap_size: 0,
      reductions: 0,
      recv_oct: 0,
      recv_cnt: 0,
      recv_pkt: 0,
      recv_msg: 0,
      send_oct: 0,
      send_cnt: 0,
      send_pkt: 0,
      send_msg: 0,
    }),
  ),
  'client_attrs',
]);

/** The EMQX 4.4 object (`format_channel_info/1` + `format/1`). */
export function renderV4(client: EmqxClient): Record<string, unknown> {
  const limit = (value: number | 'infinity') => (value === 'infinity' ? 0 : value);
  return {
    ...Object.fromEntries(DOTTED_COUNTERS.filter((name) => name !== 'recv_msg.dropped.await_pubrel_timeout').map((name) => [name, client[name] ?? 0])),
    connected: client.connected,
    subscriptions_cnt: client.subscriptions_cnt,
    max_subscriptions: limit(client.subscriptions_max),
    inflight: client.inflight_cnt,
    max_inflight: client.inflight_max,
    awaiting_rel: client.awaiting_rel_cnt,
    max_awaiting_rel: client.awaiting_rel_max,
    mqueue_len: client.mqueue_len,
    mqueue_dropped: client.mqueue_dropped,
    max_mqueue: limit(client.mqueue_max),
    heap_size: client.heap_size,
    reductions: client.reductions,
    mailbox_len: client.mailbox_len,
    recv_cnt: client.recv_cnt,
    recv_msg: client.recv_msg,
    recv_oct: client.recv_oct,
    recv_pkt: client.recv_pkt,
    send_cnt: client.send_cnt,
    send_msg: client.send_msg,
    send_oct: client.send_oct,
    send_pkt: client.send_pkt,
    clientid: client.clientid,
    // jsx encodes the atom `undefined` as a string.
    username: client.username ?? 'undefined',
    mountpoint: client.mountpoint ?? 'undefined',
    is_bridge: client.is_bridge,
    zone: client.zone ?? 'external',
    clean_start: client.clean_start,
    keepalive: client.keepalive,
    expiry_interval: client.expiry_interval,
    proto_name: client.proto_name,
    proto_ver: client.proto_ver,
    node: client.node,
    ip_address: client.ip_address,
    port: client.port,
    connected_at: v4Time(client.connected_at),
    created_at: v4Time(client.created_at),
    ...(client.disconnected_at == null ? {} : { disconnected_at: v4Time(client.disconnected_at) }),
  };
}

/** `calendar:system_time_to_rfc3339(Ms, [{unit, millisecond}])` on a UTC host: "2026-11-28T06:39:21.123+00:00". */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** `emqx_mgmt_util:strftime(Ms div 1000)`: "YYYY-MM-DD HH:mm:ss", here in UTC. */
function v4Time(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
