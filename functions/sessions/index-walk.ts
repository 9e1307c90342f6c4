/**
 * An ordered index walk's parts: what it walks, and the reader of one of its
 * partitions (shard). SessionStore.walkIndex merges the readers' entries.
 */
import type { QueryCommand, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Item } from './item.js';
import type { IndexDefinition } from './table.js';

/** A Query's input, the table left to the store. */
export type QueryInput = Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>;

/** Entries a shard reads per request (a Query also stops at 1 MB, about 3,500 narrow entries). */
const MAX_QUERY_LIMIT = 2000;

/** A DynamoDB filter expression with its placeholders. */
export type Expression = {
  expression: string;
  names: Record<string, string>;
  values: Record<string, string | number | boolean>;
};

/** An index entry: the keys (clientid, order key) and what the index projects. */
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

/** One partition of a walk, read in pages sized to what the walk still expects. */
export class ShardReader {
  private buffer: IndexEntry[] = [];
  private position = 0;
  private startKey: Record<string, unknown> | undefined;
  private exhausted = false;

  /** Whether a request showed the filter passing only part of what it read. */
  private selective = false;
  private lastLimit = 0;

  constructor(
    private readonly query: (input: QueryInput) => Promise<QueryCommandOutput>,
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
    const page = await this.query({
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
export function lowestHead(readers: readonly ShardReader[]): ShardReader | undefined {
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

