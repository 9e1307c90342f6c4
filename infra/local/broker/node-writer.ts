/**
 * What a broker node needs of the table's writer. Our own node writes the
 * table itself (the SessionWriter); as an EMQX stand-in it reports the same
 * events as EMQX's webhooks instead (infra/local/emqx/webhook-writer.ts).
 */
import type { ConnectionInfo } from '../../../functions/sessions/model.js';
import type { TopicSubscription } from '../../../functions/sessions/source-events.js';
import type { SourceWriter } from '../../../functions/sessions/source-writer.js';
import type { SessionWriter } from '../../../functions/sessions/writer.js';

export type TopicChange = { subscribed: TopicSubscription[]; unsubscribed: string[] };

export type NodeSessionWriter = Pick<SessionWriter, 'apply' | 'applyAll' | 'mutate' | 'endNodeSessions' | 'expireSessions'> & {
  /** Topic by topic changes of a connection's session, for sinks that report them so (EMQX). */
  topicsChanged?(conn: ConnectionInfo, change: TopicChange): Promise<void>;
};

/**
 * Our own node writing the table itself: session events through the
 * SessionWriter, and topic changes into the session's topic set (which the
 * subscriptions endpoints read) through the SourceWriter.
 */
export function tableNodeWriter(writer: SessionWriter, topics: SourceWriter): NodeSessionWriter {
  return {
    apply: (event) => writer.apply(event),
    applyAll: (events) => writer.applyAll(events),
    mutate: (clientid, mutation) => writer.mutate(clientid, mutation),
    endNodeSessions: (...args) => writer.endNodeSessions(...args),
    expireSessions: (now) => writer.expireSessions(now),
    async topicsChanged(conn, change) {
      const at = Date.now();
      if (change.subscribed.length > 0) await topics.apply({ type: 'subscribed', clientid: conn.clientid, at, topics: change.subscribed });
      if (change.unsubscribed.length > 0) await topics.apply({ type: 'unsubscribed', clientid: conn.clientid, at, topics: change.unsubscribed });
    },
  };
}
