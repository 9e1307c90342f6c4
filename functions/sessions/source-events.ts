/**
 * What an event source (a broker's webhooks, a cloud's lifecycle events)
 * hands the session writer. Sources that know less than our own broker node
 * report through these: a connect need not know when its session was
 * created, a session can end without naming its connection, and
 * subscriptions arrive topic by topic.
 */
import type { ConnectionInfo, SessionEvent, SessionRecord, TerminationReason } from './model.js';

export type Qos = 0 | 1 | 2;

export type TopicSubscription = { topic: string; qos: Qos };

export type SourceEvent =
  /**
   * A `connected` event's `created_at` may be its `connected_at`: when the
   * client resumes a session the table still holds (clean_start false, the
   * session live and not expired), the stored creation time and subscription
   * count carry over.
   */
  | SessionEvent
  /**
   * A connect whose source does not report the session's persistence (EMQX
   * 4.4's WebHook): `conn` holds MQTT's defaults (clean start, expiry 0),
   * which the writer does not take as facts (see applyConnect) until a
   * reconciliation sets both from the broker's client list.
   */
  | { type: 'connected'; conn: ConnectionInfo; persistence: 'unreported' }
  /**
   * The session of `clientid` on `node` ended without naming its connection
   * (EMQX 4.4's `session_terminated`): applied only while the table shows an
   * offline session on that node.
   */
  | { type: 'session-terminated'; clientid: string; node: string; at: number; reason: Exclude<TerminationReason, 'disconnected'> }
  /** Topics added to the client's live session; `at` (epoch ms) orders changes of one topic. */
  | { type: 'subscribed'; clientid: string; at: number; topics: TopicSubscription[] }
  | { type: 'unsubscribed'; clientid: string; at: number; topics: string[] }
  /**
   * An event whose connection can only be named against what the table holds
   * (AWS IoT orders connections by a version number, not by time).
   * `resolve` returns undefined when the event is stale.
   */
  | { type: 'resolve'; clientid: string; resolve: (current: SessionRecord | undefined) => SessionEvent | undefined };

export function sourceEventClientId(event: SourceEvent): string {
  return 'conn' in event ? event.conn.clientid : event.clientid;
}
