/**
 * Applies source events (see source-events.ts) to the sessions table, on top
 * of the session writer's rules: a connect resumes the stored session when
 * the client asked to, a session can end without naming its connection, and
 * topic changes keep the session's topic set and its count in one transaction.
 * A topic change past the topic set's cap throws UnstorableEventError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putFreshSession, updateResume } from './connect-writes.js';
import { fromItem } from './item.js';
import { compareBytes, connKey } from './keys.js';
import { isLive, isPersistent, type ConnectionInfo, type LiveSession, type SessionEvent, type SessionRecord } from './model.js';
import { applyEvent, ended } from './reducer.js';
import type { SourceEvent } from './source-events.js';
import { applyTopicChange, fitTopicCap, subscribedTopics, topicsKey, topicsOf, TOPICS_PURGE_SECONDS, type TopicChange } from './topics.js';
import type { TableRef } from './table.js';
import { UnstorableEventError } from './unstorable.js';
import { isConditionFailure, SessionWriter, type WriteOutcome } from './writer.js';

/**
 * Every writer of one client but the winner retries a round; a burst of
 * subscribes from many connections of one client (or a resend) must not run
 * out of rounds before its turn.
 */
const MAX_ATTEMPTS = 30;

/** Whether `current` is a live session that a connect `conn` could resume: of an older connection, not expired. */
function resumable(current: SessionRecord | undefined, conn: ConnectionInfo): current is LiveSession {
  return isLive(current) && compareBytes(current.conn_key, connKey(conn)) < 0 && (current.expires_at === null || current.expires_at > conn.connected_at);
}

/**
 * The record after a connect. A client that does not ask for a clean start
 * resumes the session the table holds for it (live, not expired, of an older
 * connection): the session keeps its creation time and its subscriptions.
 * A connect whose persistence is unreported takes the stored session's when
 * that session is persistent and resumable (a client that kept its session
 * reconnects the same way); otherwise it starts a session with MQTT's defaults.
 */
export function applyConnect(current: SessionRecord | undefined, event: Extract<SourceEvent, { type: 'connected' }>): SessionRecord | undefined {
  let conn = event.conn;
  if ('persistence' in event && resumable(current, conn) && isPersistent(current)) {
    conn = { ...conn, clean_start: current.clean_start, expiry_interval: current.expiry_interval };
  }
  const resumes = !conn.clean_start && resumable(current, conn);
  if (resumes) conn = { ...conn, created_at: current.created_at };
  const next = applyEvent(current, { type: 'connected', conn });
  if (resumes && isLive(next)) next.subscriptions_cnt = current.subscriptions_cnt;
  return next;
}

function applySessionEvent(current: SessionRecord | undefined, event: SessionEvent): SessionRecord | undefined {
  return event.type === 'connected' ? applyConnect(current, event) : applyEvent(current, event);
}

export class SourceWriter {
  private readonly writer: SessionWriter;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: TableRef,
  ) {
    this.writer = new SessionWriter(db, table);
  }

  async apply(event: SourceEvent): Promise<WriteOutcome> {
    switch (event.type) {
      case 'connected':
        return this.connect(event);
      case 'disconnected':
      case 'terminated':
      case 'statistics':
      case 'subscriptions':
        return this.writer.apply(event);
      case 'resolve':
        return this.writer.mutate(event.clientid, (current) => {
          const resolved = event.resolve(current);
          return resolved && applySessionEvent(current, resolved);
        });
      case 'session-terminated':
        return this.writer.mutate(event.clientid, (current) =>
          isLive(current) && current.node === event.node && current.conn_state === 'disconnected'
            ? ended(current, Math.max(event.at, current.disconnected_at ?? 0), event.reason)
            : undefined,
        );
      case 'subscribed':
      case 'unsubscribed':
        return this.changeTopics(event.clientid, event);
    }
  }

  /**
   * A connect that reports its persistence is written without a read in the
   * common case (connect-writes.ts); one that does not (EMQX 4.4) depends on
   * the stored session, read eventually consistent: applyConnect only ever
   * leaves alone a connect that an older version of the item already makes stale.
   */
  private async connect(event: Extract<SourceEvent, { type: 'connected' }>): Promise<WriteOutcome> {
    const mutation = (current: SessionRecord | undefined) => applyConnect(current, event);
    if ('persistence' in event) return this.writer.mutate(event.conn.clientid, mutation, { staleReadSafe: true });
    const fast = await (event.conn.clean_start ? putFreshSession : updateResume)(this.db, this.table, event.conn);
    if (fast.done) return 'applied';
    return this.writer.mutate(event.conn.clientid, mutation, { known: fast.current });
  }

  /**
   * Read both items, change the topic set, and write it with the session's
   * count in one transaction, conditional on neither having changed in
   * between (the topic set by its revision, the session by its connection).
   */
  private async changeTopics(clientid: string, change: TopicChange): Promise<WriteOutcome> {
    const { tableName } = this.table;
    for (let attempt = 1; ; attempt++) {
      const [sessionRead, topicsRead] = await Promise.all(
        [clientid, topicsKey(clientid)].map((key) =>
          this.db.send(new GetCommand({ TableName: tableName, Key: { clientid: key }, ConsistentRead: true })),
        ),
      );
      const session = fromItem(sessionRead?.Item);
      // A change for a client without a live session has nothing to belong to.
      if (!isLive(session)) return 'ignored';
      const topicsItem = topicsRead?.Item;
      const changed = applyTopicChange(topicsOf(session, topicsItem), change);
      if (!changed) return 'ignored';
      const fitted = fitTopicCap(changed);
      // Sending it again would pass the cap again.
      if ('over' in fitted) throw new UnstorableEventError(clientid, fitted.over);
      const next = fitted.set;
      const rev = typeof topicsItem?.rev === 'number' ? topicsItem.rev : 0;
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    clientid: topicsKey(clientid),
                    session: session.created_at,
                    topics: next,
                    rev: rev + 1,
                    purge_at: Math.ceil(change.at / 1000) + TOPICS_PURGE_SECONDS,
                  },
                  ...(topicsItem
                    ? {
                        ConditionExpression: '#rev = :rev',
                        ExpressionAttributeNames: { '#rev': 'rev' },
                        ExpressionAttributeValues: { ':rev': rev },
                      }
                    : { ConditionExpression: 'attribute_not_exists(clientid)' }),
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: { clientid },
                  // The revision moves so that a concurrent rewrite of the whole session retries.
                  UpdateExpression: 'SET subscriptions_cnt = :count ADD #rev :one',
                  ConditionExpression: 'conn_key = :key AND attribute_exists(conn_state)',
                  ExpressionAttributeNames: { '#rev': 'rev' },
                  ExpressionAttributeValues: { ':count': subscribedTopics(next).length, ':key': session.conn_key, ':one': 1 },
                },
              },
            ],
          }),
        );
        return 'applied';
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        await sleep(Math.random() * Math.min(2 ** attempt, 100));
      }
    }
  }
}
