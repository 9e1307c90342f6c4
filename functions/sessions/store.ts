/** The read side of the sessions table: single items, batches, ordered index walks and counts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE, type TableRef } from './table.js';
import { lowestHead, ShardReader, type IndexEntry, type IndexWalk, type QueryInput } from './index-walk.js';
import { counterKey, expiredSessionsQuery, fromItem, NODE_COUNTER_PREFIX, shardStatePartitions, statePartitionsHolding, type Item } from './item.js';
import { CONN_STATES, type ConnState, type SessionRecord } from './model.js';
import { compareBytes } from './keys.js';
import type { TopicSubscription } from './source-events.js';
import { readSessionTopics } from './topics.js';

const zeroByState = () => Object.fromEntries(CONN_STATES.map((s) => [s, 0])) as Record<ConnState, number>;

/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;
const UNPROCESSED_RETRIES = 8;

/** What the state index tells of a live session: enough to match it with a broker's connection. */
export type LiveEntry = { clientid: string; conn_key: string; node: string; conn_state: ConnState; connected_at: number };

export class SessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: TableRef,
  ) {}

  async get(clientid: string, options: { consistent: boolean }): Promise<SessionRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table.tableName, Key: { clientid }, ConsistentRead: options.consistent }),
    );
    return fromItem(result.Item);
  }

  /** The session and its subscriptions (eventually consistent). */
  sessionTopics(clientid: string): Promise<{ session: SessionRecord | undefined; topics: TopicSubscription[] }> {
    return readSessionTopics(this.db, this.table, clientid);
  }

  /** The items of these keys, by key (absent keys are absent), in parallel requests of 100. */
  async batchGetItems(keys: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) chunks.push(keys.slice(i, i + BATCH_GET_KEYS));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Record<string, unknown>[] = chunk.map((clientid) => ({ clientid }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > UNPROCESSED_RETRIES) throw Object.assign(new Error('BatchGetItem left keys unprocessed'), { name: 'ThrottlingException' });
          if (attempt > 0) await sleep(Math.min(25 * 2 ** attempt, 1000) * Math.random());
          const result = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.table.tableName]: { Keys: pending } } }),
          );
          for (const item of result.Responses?.[this.table.tableName] ?? []) {
            if (typeof item.clientid === 'string') found.set(item.clientid, item);
          }
          pending = result.UnprocessedKeys?.[this.table.tableName]?.Keys ?? [];
        }
      }),
    );
    return found;
  }

  async batchGet(keys: readonly string[]): Promise<Map<string, SessionRecord>> {
    const records = new Map<string, SessionRecord>();
    for (const [clientid, item] of await this.batchGetItems(keys)) {
      const record = fromItem(item);
      if (record) records.set(clientid, record);
    }
    return records;
  }

  query(input: QueryInput) {
    return this.db.send(new QueryCommand({ ...input, TableName: this.table.tableName }));
  }

  /** Every page of a query, each handed to `onPage`; no page is asked for once `signal` aborts. */
  private async queryPages(input: QueryInput, onPage: (page: Awaited<ReturnType<SessionStore['query']>>) => void, signal?: AbortSignal) {
    let startKey: Record<string, unknown> | undefined;
    do {
      if (signal?.aborted) return;
      const page = await this.query({ ...input, ExclusiveStartKey: startKey });
      onPage(page);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** The live sessions on the nodes `covers` accepts, from the narrow state index (all states, all shards). */
  async liveEntries(covers: (node: string) => boolean, signal?: AbortSignal): Promise<LiveEntry[]> {
    const partitions = statePartitionsHolding(undefined, this.table.shards);
    const found: LiveEntry[] = [];
    const keep = (page: { Items?: Record<string, unknown>[] }) => found.push(...liveEntriesOf(page.Items, covers));
    await Promise.all(partitions.map((partition) => this.queryPages(liveEntriesQuery(partition), keep, signal)));
    return found;
  }

  /**
   * The live sessions of one shard on the nodes `covers` accepts, page by
   * page (both state-index partitions of the shard at once): a reader holds
   * one page per partition, whatever the table's size. No page is asked for once `signal` aborts.
   */
  async *liveEntryPages(shard: number, covers: (node: string) => boolean, signal?: AbortSignal): AsyncGenerator<LiveEntry[]> {
    const cursors = shardStatePartitions(shard).map((partition) => ({ partition, startKey: undefined as Record<string, unknown> | undefined, done: false }));
    while (!signal?.aborted && cursors.some((c) => !c.done)) {
      const open = cursors.filter((c) => !c.done);
      const pages = await Promise.all(open.map((c) => this.query({ ...liveEntriesQuery(c.partition), ExclusiveStartKey: c.startKey })));
      open.forEach((cursor, i) => {
        cursor.startKey = pages[i]!.LastEvaluatedKey;
        cursor.done = cursor.startKey === undefined;
      });
      yield pages.flatMap((page) => liveEntriesOf(page.Items, covers));
    }
  }

  /**
   * Walks the partitions of an ordered index in order-key order: each shard
   * is read in pages, all shards at once, and merged. Reads only as far as
   * the caller takes.
   */
  async *walkIndex(walk: IndexWalk): AsyncGenerator<IndexEntry> {
    // An inverted range (e.g. _gte_created_at after _lte_created_at) is empty; DynamoDB would reject its BETWEEN.
    if (compareBytes(walk.low, walk.high) > 0) return;
    const readers = walk.partitions.map((partition) => new ShardReader((input) => this.query(input), walk, partition));
    let taken = 0;
    let rounds = 0;
    let lastRoundMs = 0;
    for (;;) {
      // Every shard must show its next entry before the smallest can be chosen.
      const hungry = readers.filter((r) => r.needsFetch);
      // A round is not started unless it can end in time, judged by the last one: the walk then ends
      // within the budget, and what follows it (the page's items) adds one round trip at most.
      if (hungry.length > 0 && rounds > 0 && walk.budget && Date.now() + lastRoundMs >= walk.budget.until) {
        // Out of time: every unfinished shard has examined its entries up to its read position,
        // so buffered entries below the lowest of those positions are in their final order.
        const vetted = hungry.map((r) => r.examinedThrough!).reduce((a, b) => (compareBytes(a, b) <= 0 ? a : b));
        for (;;) {
          const next = lowestHead(readers);
          if (!next || compareBytes(next.head()!.order_key, vetted) > 0) break;
          yield next.take() as IndexEntry;
        }
        walk.budget.stopped(vetted);
        return;
      }
      if (hungry.length > 0) {
        rounds++;
        const roundStarted = Date.now();
        const stillNeeded = walk.expected - taken;
        await Promise.all(hungry.map((r) => r.fetch(stillNeeded)));
        lastRoundMs = Date.now() - roundStarted;
        continue;
      }
      const best = lowestHead(readers);
      if (!best) return;
      taken++;
      yield best.take() as IndexEntry;
    }
  }

  /** Sessions per connection state, from the counter shards. */
  async countByState(): Promise<Record<ConnState, number>> {
    const totals = zeroByState();
    for (const item of await this.counterShards()) {
      for (const state of CONN_STATES) totals[state] += typeof item[state] === 'number' ? item[state] : 0;
    }
    return totals;
  }

  /** Sessions per broker node and connection state, from the counter shards; nodes holding none left out. */
  async countByNode(): Promise<Map<string, Record<ConnState, number>>> {
    const nodes = new Map<string, Record<ConnState, number>>();
    for (const item of await this.counterShards()) {
      for (const [name, value] of Object.entries(item)) {
        if (!name.startsWith(NODE_COUNTER_PREFIX) || typeof value !== 'number') continue;
        const rest = name.slice(NODE_COUNTER_PREFIX.length);
        const colon = rest.indexOf(':');
        const state = rest.slice(0, colon) as ConnState;
        if (!CONN_STATES.includes(state)) continue;
        const node = rest.slice(colon + 1);
        const counts = nodes.get(node) ?? zeroByState();
        counts[state] += value;
        nodes.set(node, counts);
      }
    }
    for (const [node, counts] of nodes) {
      if (CONN_STATES.every((state) => counts[state] <= 0)) nodes.delete(node);
    }
    return nodes;
  }

  private async counterShards(): Promise<Item[]> {
    const keys = Array.from({ length: this.table.shards }, (_, shard) => counterKey(shard));
    return [...(await this.batchGetItems(keys)).values()];
  }

  /** Offline sessions past their expiry that the sweep has not ended yet (still counted as disconnected). */
  async countExpiredUnswept(now: number): Promise<number> {
    const counts = await Promise.all(
      Array.from({ length: this.table.shards }, async (_, shard) => {
        let total = 0;
        await this.queryPages({ ...expiredSessionsQuery(shard, now), Select: 'COUNT' }, (page) => (total += page.Count ?? 0));
        return total;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
}

/** One partition of the narrow state index, with only what a LiveEntry needs. */
function liveEntriesQuery(partition: string): QueryInput {
  const index = SESSIONS_TABLE.indexes.byConnState;
  return {
    IndexName: index.indexName,
    KeyConditionExpression: '#pk = :pk',
    ProjectionExpression: 'clientid, conn_key, #node, conn_state, connected_at',
    ExpressionAttributeNames: { '#pk': index.partitionKey.name, '#node': 'node' },
    ExpressionAttributeValues: { ':pk': partition },
  };
}

function liveEntriesOf(items: Record<string, unknown>[] | undefined, covers: (node: string) => boolean): LiveEntry[] {
  return (items ?? []).filter((item): item is LiveEntry => typeof item.clientid === 'string' && typeof item.node === 'string' && covers(item.node));
}
