/**
 * A fleet of sessions described by what each should end up as, the broker
 * events that get it there, and the client object the API must show for it.
 * The expectations are written from the spec, not from the code under test.
 */
import type { ConnectionInfo, ProtoName, SessionEvent } from '../../functions/sessions/model.js';
import { connected, connection, disconnected, statistics, subscriptions } from './sessions.js';

/** How a session ends up: listed (connected, disconnected, taken over by a newer connection) or not. */
export type Fate = 'connected' | 'disconnected' | 'taken-over' | 'expired' | 'ended';

export type SessionSpec = {
  /** The connection the session ends up with. */
  conn: ConnectionInfo;
  fate: Fate;
  mqueue_len: number;
  mqueue_dropped: number;
  subscriptions_cnt: number;
  /** When it went offline (disconnected, expired, ended). */
  disconnected_at: number | null;
};

export const isListed = (spec: SessionSpec) => spec.fate === 'connected' || spec.fate === 'disconnected' || spec.fate === 'taken-over';

/** The events a broker sends for the spec, taking over from an older connection on another node where asked. */
export function eventsFor(spec: SessionSpec): SessionEvent[] {
  const { conn } = spec;
  const snapshot = (c: ConnectionInfo, seq: number) =>
    statistics(c, seq, {
      mqueue_len: spec.mqueue_len,
      mqueue_dropped: spec.mqueue_dropped,
      recv_oct: 1000 + seq,
      recv_pkt: 10,
      send_msg: 3,
      heap_size: 4096,
      reductions: 777,
    });
  const own: SessionEvent[] = [connected(conn), snapshot(conn, 1), subscriptions(conn, 1, spec.subscriptions_cnt)];
  switch (spec.fate) {
    case 'connected':
      return own;
    case 'disconnected':
    case 'expired':
    case 'ended':
      return [...own, disconnected(conn, spec.disconnected_at!)];
    case 'taken-over': {
      const old: ConnectionInfo = { ...conn, node: 'node-old', conn_id: 'old', connected_at: conn.connected_at - 5000, ip_address: '192.0.2.1' };
      // The old node reports its disconnect after the takeover.
      return [connected(old), statistics(old, 7, { mqueue_len: 999, mqueue_dropped: 999 }), ...own, disconnected(old, conn.connected_at + 1)];
    }
  }
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, spelled out field by field. */
export function emqxTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The client object of the spec's table (plus `mountpoint`) for a listed session. */
export function expectedClient(spec: SessionSpec): Record<string, unknown> {
  const { conn } = spec;
  const isConnected = spec.fate !== 'disconnected';
  return {
    node: conn.node,
    clientid: conn.clientid,
    username: conn.username,
    proto_name: conn.proto_name,
    proto_ver: conn.proto_ver,
    ip_address: conn.ip_address,
    port: conn.port,
    is_bridge: conn.is_bridge,
    connected_at: emqxTime(conn.connected_at),
    ...(isConnected ? {} : { disconnected_at: emqxTime(spec.disconnected_at!) }),
    connected: isConnected,
    zone: conn.zone,
    keepalive: conn.keepalive,
    clean_start: conn.clean_start,
    expiry_interval: conn.expiry_interval,
    created_at: emqxTime(conn.created_at),
    subscriptions_cnt: spec.subscriptions_cnt,
    max_subscriptions: conn.max_subscriptions,
    inflight: 0,
    max_inflight: conn.max_inflight,
    mqueue_len: spec.mqueue_len,
    max_mqueue: conn.max_mqueue,
    mqueue_dropped: spec.mqueue_dropped,
    awaiting_rel: 0,
    max_awaiting_rel: conn.max_awaiting_rel,
    recv_oct: 1001,
    recv_cnt: 0,
    recv_pkt: 10,
    recv_msg: 0,
    send_oct: 0,
    send_cnt: 0,
    send_pkt: 0,
    send_msg: 3,
    mailbox_len: 0,
    heap_size: 4096,
    reductions: 777,
    mountpoint: conn.mountpoint,
  };
}

/** Clientids that are awkward in URLs, JSON and byte order. */
export const SPECIAL_CLIENTIDS = ['a/b', 'a b', '+', '#', '%25', '🚀rocket', '设备-1', 'ＡＢ', 'x*y', 'q?r', '[br', '(p', '50%', 'dot.id', 'Zed', 'zed'];

const USERNAMES = ['alice', 'bob', 'carol', null, 'dan.%'];
const PROTOCOLS: Array<[ProtoName, number]> = [
  ['MQTT', 4],
  ['MQTT', 5],
  ['MQTT-SN', 1],
  ['MQTT', 3],
  ['CoAP', 1],
  ['MQTT', 5],
  ['LwM2M', 1],
];
const FATES: Fate[] = ['connected', 'disconnected', 'connected', 'ended', 'taken-over', 'connected', 'disconnected', 'connected', 'expired', 'connected'];

/**
 * `count` numbered sessions `dev-NN` of every fate, created in groups of three
 * (equal `created_at`, so ties are ordered by clientid), plus the special
 * clientids, all connected and created at one instant. Times lie before `now`.
 */
export function buildFleet(now: number, count = 60): SessionSpec[] {
  const base = now - 10 * 24 * 3600_000;
  const specs: SessionSpec[] = [];
  for (let i = 0; i < count; i++) {
    const fate = FATES[i % FATES.length]!;
    const [proto_name, proto_ver] = PROTOCOLS[i % PROTOCOLS.length]!;
    const offline = fate === 'disconnected' || fate === 'expired';
    const createdAt = base + Math.floor(i / 3) * 60_000 + (i % 9 === 0 ? 500 : 0);
    const conn = connection({
      clientid: `dev-${String(i).padStart(2, '0')}`,
      node: i % 2 === 0 ? 'emqx@10.0.0.1' : 'emqx@10.0.0.2',
      conn_id: `conn-${i}`,
      created_at: createdAt,
      connected_at: createdAt + (i % 4) * 1000 + (fate === 'taken-over' ? 10_000 : 0),
      username: USERNAMES[i % USERNAMES.length]!,
      zone: i % 3 === 0 ? 'internal' : 'external',
      ip_address: i % 4 === 3 ? `2001:db8::${(i + 10).toString(16)}` : `10.0.${i % 7}.${i}`,
      port: 40000 + i,
      proto_name,
      proto_ver,
      keepalive: 30 + i,
      clean_start: offline ? false : fate === 'ended' || i % 2 === 1,
      expiry_interval: fate === 'expired' ? 600 : offline || i % 2 === 0 ? 86_400 : 0,
      is_bridge: i % 11 === 0,
      mountpoint: i % 5 === 0 ? `tenant-${i}/` : null,
      max_subscriptions: i % 3,
      max_inflight: 32,
      max_mqueue: 1000,
      max_awaiting_rel: 100,
    });
    specs.push({
      conn,
      fate,
      mqueue_len: (i * 7) % 13,
      mqueue_dropped: (i * 3) % 4,
      subscriptions_cnt: i % 6,
      disconnected_at: fate === 'expired' ? now - 3 * 3600_000 : offline || fate === 'ended' ? now - (i % 5 + 1) * 60_000 : null,
    });
  }
  const specialCreated = base + 10 * 60_000 + 30_000;
  SPECIAL_CLIENTIDS.forEach((clientid, i) => {
    specs.push({
      conn: connection({
        clientid,
        node: 'emqx@10.0.0.3',
        conn_id: `special-${i}`,
        created_at: specialCreated,
        connected_at: specialCreated,
        username: 'special',
        ip_address: `10.9.9.${i}`,
        port: 50000 + i,
      }),
      fate: 'connected',
      mqueue_len: 0,
      mqueue_dropped: 0,
      subscriptions_cnt: 1,
      disconnected_at: null,
    });
  });
  return specs;
}
