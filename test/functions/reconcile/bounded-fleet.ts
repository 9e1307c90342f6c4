/**
 * A large fleet made on demand, session by session, so that neither the
 * loader nor the broker view holds it: session `i` is always the same.
 */
import { ZERO_STATISTICS, type ConnectionInfo, type SessionRecord, type Statistics } from '../../../functions/sessions/model.js';
import type { BrokerSession, BrokerView } from '../../../functions/sources/broker-view.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toItem } from '../../../functions/sessions/item.js';
import type { TableRef } from '../../../functions/sessions/table.js';
import { batchWrite, foldEvents } from '../../bench/bulk-load.js';
import { connected, connection, statistics } from '../../support/sessions.js';

export const FLEET_T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

function fleetConnection(i: number): ConnectionInfo {
  return connection({ clientid: `fleet-${i}`, node: `emqx@10.0.0.${i % 4}`, conn_id: '', connected_at: FLEET_T0 + (i % 3_600_000), username: `u${i % 100}` });
}

function fleetStatistics(i: number): Statistics {
  return { ...ZERO_STATISTICS, mqueue_len: i % 7, mqueue_dropped: i % 3, recv_oct: 1000 + i };
}

/** Session `i` as the table holds it after its connect and one statistics snapshot. */
export function fleetRecord(i: number): SessionRecord {
  const conn = fleetConnection(i);
  return foldEvents([connected(conn), statistics(conn, 1, fleetStatistics(i))])!;
}

/**
 * Session `i` as the broker lists it: the same connection, its counters moved
 * by `tick` (keepalive traffic) while the tracked statistics stay.
 */
export function fleetSession(i: number, tick: number): BrokerSession {
  const stats = fleetStatistics(i);
  return { conn: fleetConnection(i), conn_state: 'connected', disconnected_at: null, statistics: { ...stats, recv_oct: stats.recv_oct + tick, recv_pkt: tick } };
}

/** A broker listing sessions 0..n-1, made one at a time as the list is read. */
export function fleetView(n: number, tick: () => number): BrokerView {
  return {
    name: 'fleet',
    connectedAtPrecisionMs: 1,
    covers: (node) => node.startsWith('emqx@'),
    async *sessions(signal) {
      const at = tick();
      for (let i = 0; i < n && !signal.aborted; i++) yield fleetSession(i, at);
    },
  };
}

/** Sessions made and written at once, so that the loader holds no more. */
const LOAD_CHUNK = 10_000;
const ITEMS_PER_REQUEST = 25;

/**
 * Writes sessions 0..n-1 as the session writer leaves them, without the key
 * of the index reconciliation never reads (the username index), which would only
 * slow the load; the counters are not settled from the stream (nothing is counted).
 */
export async function loadFleet(db: DynamoDBDocumentClient, table: TableRef, n: number, concurrency = 64): Promise<void> {
  for (let start = 0; start < n; start += LOAD_CHUNK) {
    const items = Array.from({ length: Math.min(LOAD_CHUNK, n - start) }, (_, i) => {
      const { user_pk: _user, ...item } = toItem(fleetRecord(start + i), table.shards, 1);
      return item;
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items.length) {
          const chunk = items.slice(next, (next += ITEMS_PER_REQUEST));
          await batchWrite(db, table.tableName, chunk);
        }
      }),
    );
  }
}
