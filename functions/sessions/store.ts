/** The read side of the sessions table: single items, batches, ordered index walks and counts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IndexDefinition } from './table.js';
import { counterKey, expiredSessionsQuery, fromItem, NODE_COUNTER_PREFIX, type Item } from './item.js';
import { CONN_STATES, type ConnState, type SessionRecord } from './model.js';
import { compareBytes } from './keys.js';
import type { TableRef } from './writer.js';
import type { TopicSubscription } from './source-events.js';
import { readSessionTopics } from './topics.js';

const zeroByState = () => Object.fromEntries(CONN_STATES.map((s) => [s, 0])) as Record<ConnState, number>;

/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;
/** Entries a shard reads per request (a Query also stops at 1 MB, about 3,500 narrow entries). */
const MAX_QUERY_LIMIT = 2000;
const UNPROCESSED_RETRIES = 8;

/** A DynamoDB filter expression with its placeholders. */
export type Expression = {
  expression: string;
  names: Record<string, string>;
  values: Record<string, string | number | boolean>;
};

/** An index entry: the narrow attributes and the order key. */
export type IndexEntry = Item & { clientid: string; order_key: string };

export type IndexWalk = {
  index: IndexDefinition;
  partitions: readonly string[];
  /** Inclusive order-key bounds. */
  low: string;
  high: string;
  filter: Expression | undefined;
  /** How many entries the caller expects to take in all; sizes the first requests. */
  expected: number;
  /**
   * Epoch ms after which no new round of reads starts. The walk then yields
   * what it can still order (entries below every unfinished shard's read
   * position), tells `stopped` the order key it has vetted up to, and ends.
   */
  budget?: { until: number; stopped: (vettedThrough: string) => void };
};

class ShardReader {
  private buffer: IndexEntry[] = [];
  private position = 0;
  private startKey: Record<string, unknown> | undefined;
  private exhausted = false;

  /** Whether a request showed the filter passing only part of what it read. */
  private selective = false;
  private lastLimit = 0;

  constructor(
    private readonly store: SessionStore,
    private readonly walk: IndexWalk,
    private readonly partition: string,
  ) {}

  get done(): boolean {
    return this.exhausted && this.position >= this.buffer.length;
  }

  get needsFetch(): boolean {
    return !this.exhausted && this.position >= this.buffer.length;
  }

  /** The order key of the last entry this shard's reads examined (filtered out or not). */
  get examinedThrough(): string | undefined {
    const key = this.startKey?.[this.walk.index.sortKey.name];
    return typeof key === 'string' ? key : undefined;
  }

  head(): IndexEntry | undefined {
    return this.buffer[this.position];
  }

  take(): IndexEntry | undefined {
    return this.buffer[this.position++];
  }

  /**
   * Reads the shard's next entries: about its share of what the walk still
   * expects to take; four times the last request once the filter has shown
   * itself selective or the caller takes more than it expected.
   */
  async fetch(stillNeeded: number): Promise<void> {
    const { index, low, high, filter } = this.walk;
    const share = Math.ceil(Math.max(stillNeeded, 0) / this.walk.partitions.length) + 1;
    const growing = this.selective || stillNeeded <= 0;
    const limit = Math.min(Math.max(growing ? this.lastLimit * 4 : 0, share, 2), MAX_QUERY_LIMIT);
    this.lastLimit = limit;
    const page = await this.store.query({
      IndexName: index.indexName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#pk': index.partitionKey.name, '#sk': index.sortKey.name, ...filter?.names },
      ExpressionAttributeValues: { ':pk': this.partition, ':low': low, ':high': high, ...filter?.values },
      ...(filter ? { FilterExpression: filter.expression } : {}),
      Limit: limit,
      ExclusiveStartKey: this.startKey,
    });
    this.buffer = (page.Items ?? []) as IndexEntry[];
    this.position = 0;
    this.startKey = page.LastEvaluatedKey;
    this.exhausted = this.startKey === undefined;
    if ((page.Count ?? 0) < (page.ScannedCount ?? 0)) this.selective = true;
  }
}

/** The reader whose next entry comes first in order key (byte order), if any has one. */
function lowestHead(readers: readonly ShardReader[]): ShardReader | undefined {
  let best: ShardReader | undefined;
  let bestKey: Buffer | undefined;
  for (const reader of readers) {
    const head = reader.head();
    if (!head) continue;
    const key = Buffer.from(head.order_key, 'utf8');
    if (!bestKey || Buffer.compare(key, bestKey) < 0) {
      best = reader;
      bestKey = key;
    }
  }
  return best;
}

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

  query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
    return this.db.send(new QueryCommand({ ...input, TableName: this.table.tableName }));
  }

  /**
   * Walks the partitions of an ordered index in order-key order: each shard
   * is read in pages, all shards at once, and merged. Reads only as far as
   * the caller takes.
   */
  async *walkIndex(walk: IndexWalk): AsyncGenerator<IndexEntry> {
    // An inverted range (e.g. _gte_created_at after _lte_created_at) is empty; DynamoDB would reject its BETWEEN.
    if (compareBytes(walk.low, walk.high) > 0) return;
    const readers = walk.partitions.map((partition) => new ShardReader(this, walk, partition));
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
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.query({
            ...expiredSessionsQuery(shard, now),
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          });
          total += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return total;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
}
