/**
 * Writes broker events into the sessions table. Every write is conditional on
 * the revision it was computed from, so concurrent writers never lose an
 * update, and the reducer makes duplicated and reordered events harmless.
 * A write touches the session's own item only: the state counters follow
 * from the table's stream (functions/counters/).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE, type TableRef } from './table.js';
import {
  expiredSessionsQuery,
  fromItem,
  QOS_COUNTERS_ATTRIBUTE,
  qosCounterList,
  statePartitionsHolding,
  toItem,
  type Item,
} from './item.js';
import { inClientOrder } from './client-order.js';
import { itemOfFailedCondition } from './dynamodb.js';
import { putFreshSession } from './connect-writes.js';
import { connKey } from './keys.js';
import { applyEvent, ended } from './reducer.js';
import {
  BASE_STATISTICS_FIELDS,
  isLive,
  type SessionEvent,
  type SessionRecord,
} from './model.js';

/** How a record changes; `undefined` leaves it as it is. */
export type Mutation = (current: SessionRecord | undefined) => SessionRecord | undefined;

export type WriteOutcome = 'applied' | 'ignored';

const MAX_ATTEMPTS = 12;

export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some(
      (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
    );
  }
  return false;
}

export class SessionWriter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: TableRef,
  ) {}

  /** Applies one broker event. */
  async apply(event: SessionEvent): Promise<WriteOutcome> {
    if (event.type === 'statistics' || event.type === 'subscriptions') {
      const fast = await this.updateSnapshot(event);
      if (fast.done) return fast.outcome;
      return this.mutate(event.conn.clientid, (current) => applyEvent(current, event), { known: fast.current });
    }
    if (event.type === 'connected') {
      // The reducer makes a newer connection a fresh session whatever was stored: no read needed.
      const fast = await putFreshSession(this.db, this.table, event.conn);
      if (fast.done) return 'applied';
      return this.mutate(event.conn.clientid, (current) => applyEvent(current, event), { known: fast.current });
    }
    // The reducer only moves a session forward, so what an older version of the item makes a no-op stays one.
    return this.mutate(event.conn.clientid, (current) => applyEvent(current, event), { staleReadSafe: true });
  }

  /** Applies events with bounded parallelism; events of one clientid keep their order. */
  async applyAll(events: readonly SessionEvent[], concurrency = 16): Promise<void> {
    await inClientOrder(events, (event) => event.conn.clientid, (event) => this.apply(event), { concurrency });
  }

  /**
   * The common case of a snapshot, in one conditional update that touches no
   * index entry: same connection, newer snapshot. Anything else falls back to
   * the general path, starting from the item the failed condition returned.
   */
  private async updateSnapshot(
    event: Extract<SessionEvent, { type: 'statistics' | 'subscriptions' }>,
  ): Promise<{ done: true; outcome: WriteOutcome } | { done: false; current: Item | undefined }> {
    const values: Record<string, unknown> = { ':key': connKey(event.conn), ':seq': event.seq, ':one': 1 };
    const sets: string[] = ['#rev = #rev + :one'];
    let seqField: string;
    if (event.type === 'statistics') {
      seqField = 'stats_seq';
      for (const field of BASE_STATISTICS_FIELDS) {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = event.statistics[field];
      }
      sets.push(`${QOS_COUNTERS_ATTRIBUTE} = :qos`);
      values[':qos'] = qosCounterList(event.statistics);
    } else {
      seqField = 'subs_seq';
      sets.push('subscriptions_cnt = :subs');
      values[':subs'] = event.subscriptions_cnt;
    }
    sets.push(`${seqField} = :seq`);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { clientid: event.conn.clientid },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `conn_key = :key AND attribute_exists(conn_state) AND ${seqField} < :seq`,
          ExpressionAttributeNames: { '#rev': 'rev' },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { done: true, outcome: 'applied' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { done: false, current: itemOfFailedCondition(error) };
    }
  }

  /**
   * Reads the record, applies the mutation and writes the result on the
   * condition that nobody wrote in between; starts again from the item the
   * failed condition returns if somebody did.
   * - `known`: the item as a failed condition just returned it (absent
   *   included), which saves the first read.
   * - `staleReadSafe`: the mutation leaves alone whatever an older version
   *   of the item makes it leave alone, so the first read may be eventually
   *   consistent (half the read units): a stale item only fails the write.
   */
  async mutate(
    clientid: string,
    mutation: Mutation,
    options: { known?: Item | undefined; staleReadSafe?: boolean } = {},
  ): Promise<WriteOutcome> {
    let item = options.known;
    let fresh = 'known' in options;
    for (let attempt = 1; ; attempt++) {
      if (!fresh) {
        const read = await this.db.send(
          new GetCommand({
            TableName: this.table.tableName,
            Key: { clientid },
            ConsistentRead: !(options.staleReadSafe && attempt === 1),
          }),
        );
        item = read.Item;
      }
      fresh = false;
      const current = fromItem(item);
      const next = mutation(current);
      if (next === undefined) return 'ignored';
      try {
        await this.write(next, item);
        return 'applied';
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        if (error instanceof ConditionalCheckFailedException) {
          item = itemOfFailedCondition(error);
          fresh = true;
        }
        // Somebody else wrote this session: back off a little so contenders spread out.
        await sleep(Math.random() * Math.min(2 ** attempt, 100));
      }
    }
  }

  /** One conditional Put of the session's item, on the revision it was computed from. */
  private async write(next: SessionRecord, currentItem: Item | undefined): Promise<void> {
    const rev = typeof currentItem?.rev === 'number' ? currentItem.rev : 0;
    await this.db.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: toItem(next, this.table.shards, rev + 1),
        ...(currentItem
          ? {
              ConditionExpression: 'attribute_not_exists(#rev) OR #rev = :rev',
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': rev },
            }
          : { ConditionExpression: 'attribute_not_exists(clientid)' }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  /**
   * Ends the offline sessions whose expiry has passed (the stream takes
   * them off the counters). Returns how many it ended.
   */
  async expireSessions(now: number = Date.now()): Promise<number> {
    let count = 0;
    await Promise.all(
      Array.from({ length: this.table.shards }, async (_, shard) => {
        for await (const clientid of this.queryKeys(expiredSessionsQuery(shard, now))) {
          const outcome = await this.mutate(clientid, (current) =>
            isLive(current) && current.expires_at !== null && current.expires_at <= now
              ? ended(current, now, 'expired')
              : undefined,
          );
          if (outcome === 'applied') count++;
        }
      }),
    );
    return count;
  }

  /**
   * After a broker node restarts, nothing of what it held before is live:
   * its connections are gone, and so are its sessions when it keeps them in
   * memory (`keepPersistent` false) or they are offline now (true).
   */
  async endNodeSessions(node: string, bootAt: number, options: { keepPersistent: boolean }): Promise<number> {
    const index = SESSIONS_TABLE.indexes.byConnState;
    let count = 0;
    // Kept sessions already offline stay as they are: only the connected ones are read.
    const keepsOffline = options.keepPersistent ? ' AND conn_state <> :offline' : '';
    const partitions = statePartitionsHolding(options.keepPersistent ? 'connected' : undefined, this.table.shards);
    await Promise.all(
      partitions.map(async (partition) => {
        for await (const clientid of this.queryKeys({
          IndexName: index.indexName,
          KeyConditionExpression: '#pk = :pk',
          FilterExpression: `#node = :node AND connected_at < :boot${keepsOffline}`,
          ExpressionAttributeNames: { '#pk': index.partitionKey.name, '#node': 'node' },
          ExpressionAttributeValues: {
            ':pk': partition,
            ':node': node,
            ':boot': bootAt,
            ...(options.keepPersistent ? { ':offline': 'disconnected' } : {}),
          },
        })) {
          const outcome = await this.mutate(clientid, (current) => {
            if (!isLive(current) || current.node !== node || current.connected_at >= bootAt) return undefined;
            if (options.keepPersistent) {
              return current.conn_state === 'disconnected' ? undefined : applyEvent(current, { type: 'disconnected', conn: current, at: bootAt });
            }
            return ended(current, bootAt, 'discarded');
          });
          if (outcome === 'applied') count++;
        }
      }),
    );
    return count;
  }

  private async *queryKeys(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
  ): AsyncGenerator<string> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ ...input, TableName: this.table.tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.clientid === 'string') yield item.clientid;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
