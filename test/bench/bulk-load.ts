/**
 * Loads planned sessions straight into a table as the session writer would
 * leave them (each session's events folded by the reducer, stored with
 * `toItem`, counters per shard), with BatchWriteItem: far faster than
 * replaying every event, so that reconciliation can be measured at 100,000
 * sessions. The items are the writer's own; only the path to them differs.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { counterKey, nodeCounterName, toItem, type Item } from '../../functions/sessions/item.js';
import { shardOf } from '../../functions/sessions/keys.js';
import { isLive, type SessionEvent, type SessionRecord } from '../../functions/sessions/model.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import type { TableRef } from '../../functions/sessions/table.js';

const BATCH = 25;

export function foldEvents(events: readonly SessionEvent[]): SessionRecord | undefined {
  let record: SessionRecord | undefined;
  for (const event of events) record = applyEvent(record, event) ?? record;
  return record;
}

export async function batchWrite(db: DynamoDBDocumentClient, tableName: string, items: Item[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 20) throw new Error('batch write kept returning unprocessed items');
    const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
  }
}

/** Writes the records and the per-shard state counters (totals and per node) they add up to. */
export async function bulkLoad(db: DynamoDBDocumentClient, table: TableRef, records: readonly SessionRecord[], concurrency = 16): Promise<void> {
  const counters = new Map<number, Record<string, number>>();
  const items = records.map((record) => {
    if (isLive(record)) {
      const shard = shardOf(record.clientid, table.shards);
      const counts = counters.get(shard) ?? {};
      for (const name of [record.conn_state, nodeCounterName(record.node, record.conn_state)]) counts[name] = (counts[name] ?? 0) + 1;
      counters.set(shard, counts);
    }
    return toItem(record, table.shards, 1);
  });
  for (const [shard, counts] of counters) items.push({ clientid: counterKey(shard), ...counts });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + BATCH);
        next += BATCH;
        await batchWrite(db, table.tableName, chunk);
      }
    }),
  );
}
