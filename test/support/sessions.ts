/** Builders for broker events in tests. */
import type { ConnectionInfo, SessionEvent, Statistics } from '../../functions/sessions/model.js';
import { STATISTICS_FIELDS, ZERO_STATISTICS } from '../../functions/sessions/model.js';

let counter = 0;

export function connection(overrides: Partial<ConnectionInfo> & { clientid: string }): ConnectionInfo {
  const connectedAt = overrides.connected_at ?? Date.UTC(2026, 0, 1, 12, 0, 0);
  return {
    node: 'node-a',
    conn_id: `c${++counter}`,
    connected_at: connectedAt,
    created_at: overrides.created_at ?? connectedAt,
    username: 'user',
    zone: 'external',
    ip_address: '127.0.0.1',
    port: 50000,
    proto_name: 'MQTT',
    proto_ver: 4,
    keepalive: 60,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    mountpoint: null,
    max_subscriptions: 0,
    max_inflight: 32,
    max_mqueue: 1000,
    max_awaiting_rel: 100,
    ...overrides,
  };
}

export const connected = (conn: ConnectionInfo): SessionEvent => ({ type: 'connected', conn });
export const disconnected = (conn: ConnectionInfo, at = conn.connected_at + 1000): SessionEvent => ({
  type: 'disconnected',
  conn,
  at,
});
export const statistics = (conn: ConnectionInfo, seq: number, values: Partial<Statistics>): SessionEvent => ({
  type: 'statistics',
  conn,
  seq,
  statistics: { ...ZERO_STATISTICS, ...values },
});
export const subscriptions = (conn: ConnectionInfo, seq: number, count: number): SessionEvent => ({
  type: 'subscriptions',
  conn,
  seq,
  subscriptions_cnt: count,
});
export const terminated = (
  conn: ConnectionInfo,
  reason: 'kicked' | 'expired' | 'discarded' = 'kicked',
  at = conn.connected_at + 2000,
): SessionEvent => ({ type: 'terminated', conn, at, reason });

/**
 * Statistics that tell connections, snapshots and fields apart: every field
 * of snapshot `seq` of connection number `connection` has its own value, so a
 * snapshot landing on another connection's record, or one field written into
 * another, shows in a comparison of whole records.
 */
export function distinctStatistics(connection: number, seq: number): Statistics {
  return Object.fromEntries(
    STATISTICS_FIELDS.map((field, i) => [field, (connection + 1) * 1_000_000 + seq * 1_000 + i]),
  ) as Statistics;
}
