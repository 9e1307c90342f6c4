/**
 * What a broker node needs of the table's writer. Our own node writes the
 * table itself (the SessionWriter); as an EMQX stand-in it reports the same
 * events as EMQX's webhooks instead (infra/local/emqx/webhook-writer.ts).
 */
import type { ConnectionInfo } from '../../../functions/sessions/model.js';
import type { TopicSubscription } from '../../../functions/sessions/source-events.js';
import type { SessionWriter } from '../../../functions/sessions/writer.js';

export type TopicChange = { subscribed: TopicSubscription[]; unsubscribed: string[] };

export type NodeSessionWriter = Pick<SessionWriter, 'apply' | 'applyAll' | 'mutate' | 'endNodeSessions' | 'expireSessions'> & {
  /** Topic by topic changes of a connection's session, for sinks that report them so (EMQX). */
  topicsChanged?(conn: ConnectionInfo, change: TopicChange): Promise<void>;
};
