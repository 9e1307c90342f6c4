/** The client object of the API, as EMQX 4 shows it. */
import type { LiveSession } from '../sessions/model.js';

/** `YYYY-MM-DD HH:mm:ss` in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export type ClientObject = ReturnType<typeof toClient>;

/** Every field of the client object, in its order (`disconnected_at` only once disconnected). */
export const CLIENT_FIELDS = [
  'node', 'clientid', 'username', 'proto_name', 'proto_ver', 'ip_address', 'port', 'is_bridge',
  'connected_at', 'disconnected_at', 'connected', 'zone', 'keepalive', 'clean_start', 'expiry_interval',
  'created_at', 'subscriptions_cnt', 'max_subscriptions', 'inflight', 'max_inflight', 'mqueue_len',
  'max_mqueue', 'mqueue_dropped', 'awaiting_rel', 'max_awaiting_rel', 'recv_oct', 'recv_cnt', 'recv_pkt',
  'recv_msg', 'send_oct', 'send_cnt', 'send_pkt', 'send_msg', 'mailbox_len', 'heap_size', 'reductions',
  'mountpoint',
] as const satisfies ReadonlyArray<keyof ClientObject>;

export function toClient(s: LiveSession) {
  const connected = s.conn_state === 'connected';
  return {
    node: s.node,
    clientid: s.clientid,
    username: s.username,
    proto_name: s.proto_name,
    proto_ver: s.proto_ver,
    ip_address: s.ip_address,
    port: s.port,
    is_bridge: s.is_bridge,
    connected_at: formatTime(s.connected_at),
    ...(!connected && s.disconnected_at !== null ? { disconnected_at: formatTime(s.disconnected_at) } : {}),
    connected,
    zone: s.zone,
    keepalive: s.keepalive,
    clean_start: s.clean_start,
    expiry_interval: s.expiry_interval,
    created_at: formatTime(s.created_at),
    subscriptions_cnt: s.subscriptions_cnt,
    max_subscriptions: s.max_subscriptions,
    inflight: s.inflight,
    max_inflight: s.max_inflight,
    mqueue_len: s.mqueue_len,
    max_mqueue: s.max_mqueue,
    mqueue_dropped: s.mqueue_dropped,
    awaiting_rel: s.awaiting_rel,
    max_awaiting_rel: s.max_awaiting_rel,
    recv_oct: s.recv_oct,
    recv_cnt: s.recv_cnt,
    recv_pkt: s.recv_pkt,
    recv_msg: s.recv_msg,
    send_oct: s.send_oct,
    send_cnt: s.send_cnt,
    send_pkt: s.send_pkt,
    send_msg: s.send_msg,
    mailbox_len: s.mailbox_len,
    heap_size: s.heap_size,
    reductions: s.reductions,
    mountpoint: s.mountpoint,
  };
}
