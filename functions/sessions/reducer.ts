/**
 * How one broker event changes a session record. Pure, and built so that the
 * result does not depend on the order or repetition of events: the newest
 * connection wins, a connection only moves forward (connected → disconnected
 * → ended), and snapshots only replace older snapshots.
 */
import { compareBytes, connKey } from './keys.js';
import {
  isPersistent,
  STATISTICS_FIELDS,
  ZERO_STATISTICS,
  type ConnectionInfo,
  type EndedSession,
  type LiveSession,
  type SessionEvent,
  type SessionRecord,
  type TerminationReason,
} from './model.js';

function freshSession(conn: ConnectionInfo): LiveSession {
  return {
    ...conn,
    conn_key: connKey(conn),
    conn_state: 'connected',
    disconnected_at: null,
    expires_at: null,
    subscriptions_cnt: 0,
    subs_seq: 0,
    stats_seq: 0,
    ...ZERO_STATISTICS,
  };
}

export function ended(session: SessionRecord, at: number, reason: TerminationReason): EndedSession {
  return { clientid: session.clientid, conn_key: session.conn_key, conn_state: null, ended_at: at, ended_reason: reason };
}

function applyToConnection(session: LiveSession, event: SessionEvent): SessionRecord {
  switch (event.type) {
    case 'connected':
      return session;
    case 'statistics': {
      if (event.seq <= session.stats_seq) return session;
      const next: LiveSession = { ...session, stats_seq: event.seq };
      for (const field of STATISTICS_FIELDS) next[field] = event.statistics[field];
      return next;
    }
    case 'subscriptions':
      if (event.seq <= session.subs_seq) return session;
      return { ...session, subs_seq: event.seq, subscriptions_cnt: event.subscriptions_cnt };
    case 'disconnected':
      if (session.conn_state === 'disconnected') return session;
      if (!isPersistent(session)) return ended(session, event.at, 'disconnected');
      return {
        ...session,
        conn_state: 'disconnected',
        disconnected_at: event.at,
        expires_at: event.at + session.expiry_interval * 1000,
      };
    case 'terminated':
      return ended(session, event.at, event.reason);
  }
}

/**
 * A connection can be ended twice (a clean session that is kicked also
 * disconnects); its tombstone keeps the earliest end, so the result does not
 * depend on which report arrives first.
 */
function earlierEnd(tombstone: EndedSession, event: SessionEvent): EndedSession | undefined {
  let end: { at: number; reason: TerminationReason } | undefined;
  if (event.type === 'terminated') end = { at: event.at, reason: event.reason };
  else if (event.type === 'disconnected' && !isPersistent(event.conn)) end = { at: event.at, reason: 'disconnected' };
  if (!end) return undefined;
  const earlier = end.at < tombstone.ended_at || (end.at === tombstone.ended_at && end.reason < tombstone.ended_reason);
  return earlier ? ended(tombstone, end.at, end.reason) : undefined;
}

/**
 * The record after `event`, or `undefined` when the event changes nothing
 * (a duplicate, a stale snapshot, or an event of an older connection).
 */
export function applyEvent(current: SessionRecord | undefined, event: SessionEvent): SessionRecord | undefined {
  const eventKey = connKey(event.conn);
  const order = current === undefined ? -1 : compareBytes(current.conn_key, eventKey);
  if (order > 0) return undefined;
  if (order === 0 && current !== undefined) {
    if (current.conn_state === null) return earlierEnd(current, event);
    const next = applyToConnection(current, event);
    return next === current ? undefined : next;
  }
  return applyToConnection(freshSession(event.conn), event);
}
