/**
 * Whole-table checks for small test tables: every live session item carries
 * the index keys of its state and username, and the counter shards add up to the live
 * sessions per state once the table's stream has been applied (a snapshot
 * settles the table first).
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { COUNTER_KEY_PREFIX, isSessionKey } from '../../functions/sessions/table.js';
import { isIndexedUsername, statePartition, usernamePartition, type Item } from '../../functions/sessions/item.js';
import { orderKey, shardOf } from '../../functions/sessions/keys.js';
import { CONN_STATES, type ConnState } from '../../functions/sessions/model.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { settleTable } from './dynamodb.js';

export type TableSnapshot = {
  sessions: Map<string, Item>;
  /** Counter totals per state, summed over the shards. */
  counters: Record<ConnState, number>;
  /** Live sessions per state, counted item by item. */
  live: Record<ConnState, number>;
};

const zero = () => Object.fromEntries(CONN_STATES.map((s) => [s, 0])) as Record<ConnState, number>;

/** Reads the whole table (strongly consistent); for test tables of a few thousand items at most. */
export async function snapshotTable(db: DynamoDBDocumentClient, table: TableRef): Promise<TableSnapshot> {
  const sessions = new Map<string, Item>();
  const counters = zero();
  const live = zero();
  await settleTable(table.tableName);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const clientid = item.clientid as string;
      if (clientid.startsWith(COUNTER_KEY_PREFIX)) {
        for (const state of CONN_STATES) counters[state] += typeof item[state] === 'number' ? item[state] : 0;
        continue;
      }
      // Topic sets and the reconciliation's checkpoint are no sessions.
      if (!isSessionKey(clientid)) continue;
      sessions.set(clientid, item);
      const state = item.conn_state as ConnState | undefined;
      if (state !== undefined) live[state]++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { sessions, counters, live };
}

/** Problems found in a snapshot; empty when the table is consistent. */
export function tableProblems(snapshot: TableSnapshot, table: TableRef): string[] {
  const problems: string[] = [];
  for (const state of CONN_STATES) {
    if (snapshot.counters[state] !== snapshot.live[state]) {
      problems.push(`counter ${state} = ${snapshot.counters[state]}, live ${state} sessions = ${snapshot.live[state]}`);
    }
  }
  for (const [clientid, item] of snapshot.sessions) {
    const state = item.conn_state as ConnState | undefined;
    const shard = shardOf(clientid, table.shards);
    if (state === undefined) {
      for (const key of ['state_pk', 'user_pk', 'order_key', 'expiry_pk']) {
        if (key in item) problems.push(`ended session ${JSON.stringify(clientid)} still has index key ${key}`);
      }
      continue;
    }
    if (item.state_pk !== statePartition({ expiry_interval: Number(item.expiry_interval ?? 0) }, shard)) problems.push(`${JSON.stringify(clientid)}: state_pk ${String(item.state_pk)} for ${state}`);
    if ('created_pk' in item) problems.push(`${JSON.stringify(clientid)}: created_pk, the key of an index the table no longer has`);
    if (item.order_key !== orderKey(item.created_at as number, clientid)) problems.push(`${JSON.stringify(clientid)}: order_key`);
    if ((item.expires_at !== undefined) !== (item.expiry_pk !== undefined)) problems.push(`${JSON.stringify(clientid)}: expiry_pk without expires_at or the reverse`);
    const username = typeof item.username === 'string' && item.username !== '' && isIndexedUsername(item.username) ? item.username : undefined;
    if (item.user_pk !== (username === undefined ? undefined : usernamePartition(username, shard))) problems.push(`${JSON.stringify(clientid)}: user_pk ${String(item.user_pk)}`);
  }
  return problems;
}

/** An item as a comparable value: without the revision, which counts writes rather than state. */
export function withoutRev(item: Item | undefined): Item | undefined {
  if (!item) return undefined;
  const { rev: _rev, ...rest } = item;
  return rest;
}
