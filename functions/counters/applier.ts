/**
 * Adds the counter moves of a stream batch to the counter item of its stream
 * shard, exactly once: the item holds, per stream shard, the last sequence
 * number it has applied, and the one UpdateItem that adds a batch's moves
 * also moves that checkpoint, on the condition that it lies before the
 * batch. A batch delivered again finds the checkpoint at or past its end and
 * adds nothing; one that overlaps what was applied adds only the rest.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemOfFailedCondition } from '../sessions/dynamodb.js';
import { counterKey } from '../sessions/item.js';
import { shardOf } from '../sessions/keys.js';
import type { TableRef } from '../sessions/table.js';
import { changeDeltas, comparableSequence, type CounterDeltas, type ItemChange } from './deltas.js';

/** Per stream shard: the padded sequence number applied through, and when (epoch ms) it last moved. */
export const CHECKPOINT_PREFIX = 'stream_seq:';
export const CHECKPOINT_TIME_PREFIX = 'stream_at:';

/**
 * A stream keeps records 24 hours, so no batch of a shard comes again two
 * days after its checkpoint last moved: the checkpoint can go.
 */
export const CHECKPOINT_RETENTION_MS = 2 * 24 * 60 * 60 * 1000;

const MAX_ATTEMPTS = 8;

export type ApplyOutcome = { applied: number; duplicates: number; counterKey: string };

export class CounterApplier {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: TableRef,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The counter item a stream shard's batches go to: one of the shards the readers sum. */
  counterKeyOf(streamShard: string): string {
    return counterKey(shardOf(streamShard, this.table.shards));
  }

  /** Applies a batch of one stream shard, in stream order. */
  async apply(streamShard: string, changes: readonly ItemChange[]): Promise<ApplyOutcome> {
    const key = this.counterKeyOf(streamShard);
    const position = (change: ItemChange) => comparableSequence(change.sequenceNumber);
    let pending = [...changes].sort((a, b) => (position(a) < position(b) ? -1 : position(a) > position(b) ? 1 : 0));
    // Unknown until a condition fails: assume the checkpoint lies before the batch (the common case).
    let appliedThrough: string | null | undefined;
    for (let attempt = 1; ; attempt++) {
      if (appliedThrough) pending = pending.filter((c) => position(c) > appliedThrough!);
      const duplicates = changes.length - pending.length;
      const last = pending.at(-1);
      if (!last) return { applied: 0, duplicates, counterKey: key };
      const deltas = changeDeltas(pending);
      // Moves that cancel out need no write: a replay of them would add nothing either.
      if (deltas.size === 0) return { applied: pending.length, duplicates, counterKey: key };
      try {
        await this.db.send(this.update(key, streamShard, position(pending[0]!), position(last), deltas, appliedThrough));
        return { applied: pending.length, duplicates, counterKey: key };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_ATTEMPTS) throw error;
        const old = itemOfFailedCondition(error);
        const seen = old?.[CHECKPOINT_PREFIX + streamShard];
        appliedThrough = typeof seen === 'string' ? seen : null;
      }
    }
  }

  /**
   * The one UpdateItem of a batch. `appliedThrough`: undefined, the checkpoint
   * must lie before `first`; a value or null (none), it must be exactly that.
   */
  private update(key: string, streamShard: string, first: string, last: string, deltas: CounterDeltas, appliedThrough: string | null | undefined) {
    const names: Record<string, string> = { '#cp': CHECKPOINT_PREFIX + streamShard, '#at': CHECKPOINT_TIME_PREFIX + streamShard };
    const values: Record<string, unknown> = { ':last': last, ':now': this.clock() };
    const adds: string[] = [];
    [...deltas].forEach(([name, delta], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = delta;
      adds.push(`#c${i} :c${i}`);
    });
    let condition = 'attribute_not_exists(#cp) OR #cp < :first';
    if (appliedThrough === undefined) values[':first'] = first;
    else if (appliedThrough === null) condition = 'attribute_not_exists(#cp)';
    else {
      condition = '#cp = :through';
      values[':through'] = appliedThrough;
    }
    return new UpdateCommand({
      TableName: this.table.tableName,
      Key: { clientid: key },
      UpdateExpression: `SET #cp = :last, #at = :now ADD ${adds.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  }

  /**
   * Removes the checkpoints of stream shards that have long been closed
   * (a shard lives about four hours), so the counter item does not grow
   * with every shard the stream ever had. Each removal is conditional on its
   * checkpoint not having moved since it was read. Returns how many it removed.
   */
  async pruneCheckpoints(streamShard: string): Promise<number> {
    const key = this.counterKeyOf(streamShard);
    const read = await this.db.send(new GetCommand({ TableName: this.table.tableName, Key: { clientid: key }, ConsistentRead: true }));
    const cutoff = this.clock() - CHECKPOINT_RETENTION_MS;
    const stale = Object.entries(read.Item ?? {}).filter(
      ([name, at]) => name.startsWith(CHECKPOINT_TIME_PREFIX) && typeof at === 'number' && at < cutoff,
    );
    let removed = 0;
    for (const [name, at] of stale) {
      const shard = name.slice(CHECKPOINT_TIME_PREFIX.length);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: { clientid: key },
            UpdateExpression: 'REMOVE #cp, #at',
            ConditionExpression: '#at = :at',
            ExpressionAttributeNames: { '#cp': CHECKPOINT_PREFIX + shard, '#at': name },
            ExpressionAttributeValues: { ':at': at },
          }),
        );
        removed++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return removed;
  }
}
