/**
 * The changes a reconciliation makes to one session, each through the session
 * writer's conditional writes: an event newer than the broker's list wins.
 */
import { compareBytes, connKey } from '../sessions/keys.js';
import { isLive, type LiveSession, type SessionRecord } from '../sessions/model.js';
import { applyEvent, ended } from '../sessions/reducer.js';
import type { LiveEntry } from '../sessions/store.js';
import type { SessionWriter } from '../sessions/writer.js';
import { namesConnection, type BrokerSession } from '../sources/broker-view.js';

/** The connect time and node a conn_key names (`<13 digits>#<node>#<conn_id>`). */
function keyParts(key: string, node: string): { connectedAt: number; node: string } | undefined {
  const connectedAt = Number(key.slice(0, 13));
  return Number.isFinite(connectedAt) && key.slice(14).startsWith(`${node}#`) ? { connectedAt, node } : undefined;
}

/** The record the broker's view of a session stands for. */
function brokerRecord(broker: BrokerSession, now: number): SessionRecord | undefined {
  const fresh = applyEvent(undefined, { type: 'connected', conn: broker.conn });
  if (isLive(fresh)) {
    if (broker.subscriptions_cnt !== undefined) fresh.subscriptions_cnt = broker.subscriptions_cnt;
    if (broker.statistics) Object.assign(fresh, broker.statistics);
  }
  if (broker.conn_state === 'connected' || !fresh) return fresh;
  return applyEvent(fresh, { type: 'disconnected', conn: broker.conn, at: broker.disconnected_at ?? now }) ?? fresh;
}

export class SessionChanges {
  constructor(
    private readonly writer: SessionWriter,
    private readonly precisionMs: number,
    /** When the run started: what the table gained after it is newer than the list. */
    private readonly startedAt: number,
    /** Whether the list's persistence stands over the table's (BrokerView.correctsPersistence). */
    private readonly correctsPersistence = false,
  ) {}

  /** A session the broker holds that the table lacks, shows ended or shows older. */
  add(broker: BrokerSession) {
    const { precisionMs, startedAt } = this;
    return this.writer.mutate(broker.conn.clientid, (current) => {
      if (current === undefined) return brokerRecord(broker, startedAt);
      if (current.conn_state === null) {
        const parts = keyParts(current.conn_key, broker.conn.node);
        // The broker still holds the very connection the table ended before the list was read: it is not over.
        if (parts && namesConnection(parts.node, parts.connectedAt, broker, precisionMs)) {
          return current.ended_at < startedAt ? brokerRecord(broker, startedAt) : undefined;
        }
      } else if (namesConnection(current.node, current.connected_at, broker, precisionMs)) {
        return undefined;
      }
      if (compareBytes(current.conn_key, connKey(broker.conn)) >= 0) return undefined;
      const connectedNow = applyEvent(current, { type: 'connected', conn: broker.conn });
      if (!connectedNow || broker.conn_state === 'connected') return connectedNow;
      return applyEvent(connectedNow, { type: 'disconnected', conn: broker.conn, at: broker.disconnected_at ?? startedAt }) ?? connectedNow;
    });
  }

  /** The table's connection `connKeyInTable`, which the broker shows offline (kept, with the list's persistence where it stands). */
  disconnect(broker: BrokerSession, connKeyInTable: string) {
    const { clean_start, expiry_interval } = broker.conn;
    return this.writer.mutate(broker.conn.clientid, (current) => {
      if (!isLive(current) || current.conn_key !== connKeyInTable || current.conn_state !== 'connected') return undefined;
      const session = this.correctsPersistence ? { ...current, clean_start, expiry_interval } : current;
      return applyEvent(session, { type: 'disconnected', conn: session, at: broker.disconnected_at ?? this.startedAt });
    });
  }

  /** A session the broker does not hold: ended unless the table moved on to another connection. */
  end(entry: LiveEntry) {
    return this.writer.mutate(entry.clientid, (current) =>
      isLive(current) && current.conn_key === entry.conn_key ? ended(current, this.startedAt, 'disconnected') : undefined,
    );
  }

  /**
   * The list's persistence of the table's connection `record`, with its
   * statistics: an offline session's expiry moves with its interval.
   */
  persistence(record: LiveSession, broker: BrokerSession) {
    const { clean_start, expiry_interval } = broker.conn;
    return this.writer.mutate(record.clientid, (current) => {
      if (!isLive(current) || current.conn_key !== record.conn_key) return undefined;
      const next: LiveSession = { ...current, clean_start, expiry_interval };
      if (next.conn_state === 'disconnected' && next.disconnected_at !== null) next.expires_at = next.disconnected_at + expiry_interval * 1000;
      if (!broker.statistics) return next;
      return applyEvent(next, { type: 'statistics', conn: next, seq: this.startedAt, statistics: broker.statistics }) ?? next;
    });
  }

  /** The broker's statistics of the table's connection `record`. */
  statistics(record: LiveSession, broker: BrokerSession) {
    return this.writer.apply({ type: 'statistics', conn: record, seq: this.startedAt, statistics: broker.statistics! });
  }
}
