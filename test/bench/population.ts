/**
 * A fleet's sessions as broker events: mixed states (connected, offline
 * persistent, a few expired but not yet swept — the sweep runs every minute,
 * so there are few — and clean sessions that already ended), tenants as usernames with a few big ones, zones, protocols, node
 * names, IPv4 and IPv6, creation times spread over a week, subscriptions,
 * statistics, and backlogs on some. Deterministic for a given size and seed.
 */
import type { ConnectionInfo, ProtoName, SessionEvent, Statistics } from '../../functions/sessions/model.js';
import { STATISTICS_FIELDS } from '../../functions/sessions/model.js';

export const NODES = Array.from({ length: 6 }, (_, i) => `emqx@10.0.${Math.floor(i / 3)}.${10 + (i % 3)}`);
export const TENANTS = 100;
export const SITES = 200;
export const WEEK_MS = 7 * 24 * 3_600_000;

/** mulberry32: small, fast, good enough to spread test data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SessionKind = 'connected' | 'offline' | 'expired-unswept' | 'ended';

export type PlannedSession = { clientid: string; kind: SessionKind; username: string | null; events: SessionEvent[] };

const PROTOCOLS: Array<[ProtoName, number, number]> = [
  ['MQTT', 5, 0.4],
  ['MQTT', 4, 0.45],
  ['MQTT', 3, 0.05],
  ['MQTT-SN', 1, 0.04],
  ['CoAP', 1, 0.03],
  ['LwM2M', 1, 0.03],
];

function pick<T>(rnd: () => number, weighted: ReadonlyArray<readonly [T, number]>): T {
  let x = rnd();
  for (const [value, weight] of weighted) {
    if ((x -= weight) < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

const hex = (rnd: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(rnd() * 16).toString(16)).join('');

/** Tenants by size: tenant-000 is the biggest, then a long tail (Zipf-like). */
function tenant(rnd: () => number): string {
  const n = Math.min(TENANTS - 1, Math.floor(TENANTS ** rnd()) - 1);
  return `tenant-${String(Math.max(n, 0)).padStart(3, '0')}`;
}

function clientidFor(rnd: () => number, i: number, zone: string, user: string | null): string {
  const style = rnd();
  if (style < 0.4) return `sensor-${zone}-${hex(rnd, 8)}-${i}`;
  if (style < 0.65) return `gw/site-${String(Math.floor(rnd() * SITES)).padStart(3, '0')}/${i}`;
  if (style < 0.85) return `app_${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${i}`;
  return `${user ?? 'anon'}:device-${i}`;
}

function statisticsFor(rnd: () => number, backlog: boolean): Statistics {
  const s = Object.fromEntries(STATISTICS_FIELDS.map((f) => [f, 0])) as Statistics;
  s.recv_pkt = Math.floor(rnd() * 100_000);
  s.recv_cnt = s.recv_pkt + Math.floor(rnd() * 100);
  s.recv_msg = Math.floor(s.recv_pkt * 0.9);
  s.recv_oct = s.recv_pkt * (40 + Math.floor(rnd() * 400));
  s.send_pkt = Math.floor(rnd() * 100_000);
  s.send_cnt = s.send_pkt + Math.floor(rnd() * 100);
  s.send_msg = Math.floor(s.send_pkt * 0.9);
  s.send_oct = s.send_pkt * (40 + Math.floor(rnd() * 400));
  s.inflight = Math.floor(rnd() * 4);
  s.mqueue_len = backlog ? 1 + Math.floor(rnd() * 900) : 0;
  s.mqueue_dropped = backlog && rnd() < 0.3 ? Math.floor(rnd() * 5000) : 0;
  s.heap_size = 2_000 + Math.floor(rnd() * 50_000);
  s.reductions = Math.floor(rnd() * 10_000_000);
  return s;
}

export function planSessions(count: number, now: number, seed = 1): PlannedSession[] {
  const rnd = random(seed);
  const sessions: PlannedSession[] = [];
  for (let i = 0; i < count; i++) {
    const zone = pick(rnd, [['external', 0.8], ['internal', 0.15], ['bridge', 0.05]] as const);
    const username = rnd() < 0.05 ? null : tenant(rnd);
    const clientid = clientidFor(rnd, i, zone, username);
    const kind = pick<SessionKind>(rnd, [['connected', 0.7], ['offline', 0.228], ['expired-unswept', 0.002], ['ended', 0.07]]);
    const [proto_name, proto_ver] = pick(rnd, PROTOCOLS.map(([n, v, w]) => [[n, v] as const, w] as const));
    // An expired session was created, and went offline, long enough ago for its expiry to have passed.
    const created_at = kind === 'expired-unswept' ? now - 2 * 86_400_000 - Math.floor(rnd() * (WEEK_MS - 2 * 86_400_000)) : now - Math.floor(rnd() * WEEK_MS);
    const persistent = kind === 'offline' || kind === 'expired-unswept' || (kind === 'connected' && rnd() < 0.3);
    const expiry_interval = persistent ? (kind === 'expired-unswept' ? 3_600 : 7 * 86_400) : 0;
    const connected_at = persistent && kind !== 'expired-unswept' ? created_at + Math.floor(rnd() * Math.max(now - created_at - 120_000, 1)) : created_at;
    const v6 = rnd() < 0.1;
    const conn: ConnectionInfo = {
      clientid,
      node: NODES[Math.floor(rnd() * NODES.length)]!,
      conn_id: `${hex(rnd, 6)}-${i}`,
      connected_at,
      created_at,
      username,
      zone,
      ip_address: v6 ? `2001:db8:${hex(rnd, 4)}::${hex(rnd, 3)}` : `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`,
      port: 1024 + Math.floor(rnd() * 64_000),
      proto_name,
      proto_ver,
      keepalive: pick(rnd, [[60, 0.6], [30, 0.2], [300, 0.2]] as const),
      clean_start: !persistent,
      expiry_interval,
      is_bridge: zone === 'bridge',
      mountpoint: zone === 'bridge' ? 'bridge/' : null,
      max_subscriptions: 0,
      max_inflight: 32,
      max_mqueue: 1000,
      max_awaiting_rel: 100,
    };
    const events: SessionEvent[] = [{ type: 'connected', conn }];
    if (rnd() < 0.8) events.push({ type: 'subscriptions', conn, seq: 1, subscriptions_cnt: 1 + Math.floor(rnd() * 12) });
    if (rnd() < 0.6 || kind === 'offline') events.push({ type: 'statistics', conn, seq: 1, statistics: statisticsFor(rnd, rnd() < 0.1 || kind === 'offline') });
    if (kind === 'offline') events.push({ type: 'disconnected', conn, at: now - Math.floor(rnd() * Math.min(now - connected_at, 86_400_000)) });
    if (kind === 'expired-unswept') events.push({ type: 'disconnected', conn, at: connected_at + 60_000 });
    if (kind === 'ended') events.push({ type: 'disconnected', conn, at: Math.min(connected_at + 60_000, now - 1_000) });
    sessions.push({ clientid, kind, username, events });
  }
  return sessions;
}
