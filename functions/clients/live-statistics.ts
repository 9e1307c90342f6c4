/**
 * One shown client with the broker's live counters over the stored ones.
 * The table keeps current only what lists filter on (`mqueue_len`,
 * `mqueue_dropped`) and the topic count; the other counters are as of their
 * last write.
 * When one client is shown, the broker is asked once, within a short bound,
 * and its counters stand for the connection the table shows. Whatever the
 * broker does (slow, failing, not holding the client, holding a newer
 * connection), the answer is the stored record: never a failure.
 */
import type { LiveStatisticsSource } from '../control/live-statistics-source.js';
import type { LiveSession } from '../sessions/model.js';
import { namesConnection, type BrokerSession } from '../sources/broker-view.js';

/** Counted each time one client is shown with its stored counters although the broker was asked for live ones. */
export const LIVE_STATISTICS_FALLBACK_METRIC = 'LiveStatisticsFallback';

/** Why the stored values were shown: the broker holds no such client, holds another connection of it, or could not be asked in time. */
export type StoredReason = 'not-held' | 'other-connection' | 'unavailable';

export type ShownSession = { session: LiveSession; live: true } | { session: LiveSession; live: false; reason: StoredReason; detail?: string };

export async function withLiveStatistics(session: LiveSession, source: LiveStatisticsSource): Promise<ShownSession> {
  let broker: BrokerSession | undefined;
  try {
    broker = await source.lookup(session.clientid, AbortSignal.timeout(source.timeoutMs));
  } catch (error) {
    return { session, live: false, reason: 'unavailable', detail: (error as Error).message };
  }
  if (!broker) return { session, live: false, reason: 'not-held' };
  if (!namesConnection(session.node, session.connected_at, broker, source.precisionMs)) return { session, live: false, reason: 'other-connection' };
  return { session: overlayLiveStatistics(session, broker), live: true };
}

/** The stored session with the broker's counters, topic count and limits of the same connection; its identity and state stay the table's. */
export function overlayLiveStatistics(session: LiveSession, broker: BrokerSession): LiveSession {
  const { max_subscriptions, max_inflight, max_mqueue, max_awaiting_rel } = broker.conn;
  return {
    ...session,
    ...broker.statistics,
    ...(broker.subscriptions_cnt !== undefined ? { subscriptions_cnt: broker.subscriptions_cnt } : {}),
    max_subscriptions,
    max_inflight,
    max_mqueue,
    max_awaiting_rel,
  };
}
