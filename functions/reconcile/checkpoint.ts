/**
 * Where the next reconciliation run starts its walk of the table, kept in the
 * table itself so that it outlives the function: one item per broker view,
 * under a key no MQTT client can have (client ids never hold U+0000). The item
 * has no index keys, so no list, count or sweep sees it.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RESERVED_KEY_PREFIX, type TableRef } from '../sessions/table.js';
import { isConditionFailure } from '../sessions/writer.js';

export const checkpointKey = (viewName: string) => `${RESERVED_KEY_PREFIX}reconcile#${viewName}`;

/** The shard the next run starts at, and how many runs have moved it (what a move is conditional on). */
export type ReconcileCheckpoint = { nextShard: number; moves: number };

export class CheckpointStore {
  private readonly key: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: TableRef,
    viewName: string,
  ) {
    this.key = checkpointKey(viewName);
  }

  /** The stored checkpoint; shard 0 before any run moved it. */
  async read(): Promise<ReconcileCheckpoint> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table.tableName, Key: { clientid: this.key }, ConsistentRead: true }));
    const nextShard = typeof Item?.next_shard === 'number' ? Item.next_shard : 0;
    const moves = typeof Item?.moves === 'number' ? Item.moves : 0;
    // The table may have been given other shards since.
    return { nextShard: nextShard % this.table.shards, moves };
  }

  /**
   * Moves the checkpoint that `from` read to `nextShard`, unless another run
   * moved it since: of two overlapping runs that read the same checkpoint,
   * only the first to finish moves it, so it never goes back and no stretch
   * of shards is counted as done twice. False when the move was refused.
   */
  async move(from: ReconcileCheckpoint, nextShard: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { clientid: this.key },
          UpdateExpression: 'SET next_shard = :next, moves = :moved',
          ConditionExpression: from.moves === 0 ? 'attribute_not_exists(moves) OR moves = :read' : 'moves = :read',
          ExpressionAttributeValues: { ':next': nextShard, ':moved': from.moves + 1, ':read': from.moves },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
