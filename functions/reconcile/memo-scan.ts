/**
 * What a run without a memo (its function's first run in an execution
 * environment) learns of the fields it keeps current, from one paged,
 * parallel Scan of the table instead of an item read per listed session. A
 * Scan is billed by the 4 KB of items it reads, so a session of about 650
 * bytes costs a sixth of the half unit an item read costs; the prints it
 * gives are what the warm runs keep, so the run then reads only the sessions
 * whose fields the broker shows changed.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromItem } from '../sessions/item.js';
import { shardOf } from '../sessions/keys.js';
import { isLive } from '../sessions/model.js';
import type { TableRef } from '../sessions/table.js';
import { listedPrint, TRACKED_STATISTICS } from './fingerprint.js';
import type { StatisticsMemo } from './statistics-memo.js';

/** Segments scanned at once: DynamoDB serves each from its own partitions. */
const SEGMENTS = 8;

/** The attributes a print is made of, and what tells a live session. */
const PRINTED = ['clientid', 'node', 'connected_at', 'conn_key', 'conn_state', 'clean_start', 'expiry_interval', ...TRACKED_STATISTICS];

export type MemoScan = {
  db: DynamoDBDocumentClient;
  table: TableRef;
  memo: StatisticsMemo;
  /** The table shards whose memo the scan gives. */
  shards: ReadonlySet<number>;
  precision: number;
  correctsPersistence: boolean;
  signal: AbortSignal;
};

/** Gives `memo` the prints of every live session of `shards`; false when the signal stopped it first. */
export async function seedMemoFromTable(scan: MemoScan): Promise<boolean> {
  const { db, table, memo, shards, precision, correctsPersistence, signal } = scan;
  // 8 bytes a session, as the memo holds them: no object per session, whatever the fleet's size.
  const prints = new Map<number, { keys: BigUint64Array; size: number }>([...shards].map((shard) => [shard, { keys: new BigUint64Array(1024), size: 0 }]));
  const add = (shard: number, print: bigint) => {
    const into = prints.get(shard);
    if (!into) return;
    if (into.size === into.keys.length) {
      const grown = new BigUint64Array(into.keys.length * 2);
      grown.set(into.keys);
      into.keys = grown;
    }
    into.keys[into.size++] = print;
  };
  const names = Object.fromEntries(PRINTED.map((name, i) => [`#a${i}`, name]));
  await Promise.all(
    Array.from({ length: SEGMENTS }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        if (signal.aborted) return;
        const page = await db.send(
          new ScanCommand({
            TableName: table.tableName,
            Segment: segment,
            TotalSegments: SEGMENTS,
            ProjectionExpression: Object.keys(names).join(', '),
            ExpressionAttributeNames: names,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal: signal },
        );
        for (const item of page.Items ?? []) {
          const record = fromItem(item);
          if (!isLive(record)) continue;
          add(shardOf(record.clientid, table.shards), listedPrint(record, precision, record, correctsPersistence ? record : undefined));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  if (signal.aborted) return false;
  for (const [shard, { keys, size }] of prints) memo.seed(shard, keys.slice(0, size));
  return true;
}
