/**
 * Reads the sessions table's stream from DynamoDB Local, shard by shard from
 * its oldest record, and hands each page of records to the counter
 * aggregator's handler as Lambda would: a tumbling-window invocation named
 * by the stream shard. A page whose handling fails is read again on the next
 * pass (records are never skipped, as the deployed event source retries
 * until success).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { CounterApplier } from '../../functions/counters/applier.js';
import { aggregateCountersHandler, type CounterStreamEvent } from '../../functions/counters/handler.js';
import { observability } from '../../functions/http/observability.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';

/** The tumbling window a deployment configures; here it only dates the synthetic invocations. */
const WINDOW_MS = 60_000;

type ShardPosition = { iterator: string | undefined; closed: boolean };

export class StreamConsumer {
  private readonly streams: DynamoDBStreamsClient;
  private readonly tables: DynamoDBClient;
  private readonly shards = new Map<string, ShardPosition>();
  private streamArn: string | undefined;
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    endpoint: string,
    private readonly tableName: string,
    private readonly handler: (event: CounterStreamEvent) => Promise<unknown>,
  ) {
    this.streams = new DynamoDBStreamsClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    this.tables = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  }

  /** Hands every record written so far to the handler; returns how many. One pass at a time. */
  drain(): Promise<number> {
    const pass = (this.running ?? Promise.resolve(0)).catch(() => 0).then(() => this.pass());
    this.running = pass;
    return pass;
  }

  /** Drains every `intervalMs` until stopped; a failed pass is logged by `onError` and retried on the next. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    const tick = () => {
      this.drain()
        .catch(onError)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    this.streams.destroy();
    this.tables.destroy();
  }

  private async pass(): Promise<number> {
    this.streamArn ??= (await this.tables.send(new DescribeTableCommand({ TableName: this.tableName }))).Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.tableName} has no stream`);
    await this.discoverShards(this.streamArn);
    let handled = 0;
    for (const [shardId, position] of this.shards) {
      while (!position.closed && position.iterator) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: position.iterator, Limit: 1000 }));
        const records = page.Records ?? [];
        if (records.length > 0) await this.handler(invocation(shardId, records));
        handled += records.length;
        position.iterator = page.NextShardIterator;
        position.closed = page.NextShardIterator === undefined;
        if (records.length === 0) break;
      }
    }
    return handled;
  }

  /** Shards are listed parents first; each new one is read from its oldest record. */
  private async discoverShards(streamArn: string): Promise<void> {
    let start: string | undefined;
    do {
      const described = await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const shard of described.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        const { ShardIterator } = await this.streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        this.shards.set(shard.ShardId, { iterator: ShardIterator, closed: ShardIterator === undefined });
      }
      start = described.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }
}

/** A page of records as Lambda's event source mapping would deliver it with a tumbling window. */
function invocation(shardId: string, records: StreamRecord[]): CounterStreamEvent {
  const windowStart = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
  return {
    Records: records.map(lambdaRecord),
    shardId,
    window: { start: new Date(windowStart).toISOString(), end: new Date(windowStart + WINDOW_MS).toISOString() },
    state: {},
    isFinalInvokeForWindow: false,
    isWindowTerminatedEarly: false,
  };
}

/** The SDK's record in Lambda's event shape (creation time in epoch seconds; the images are the same JSON). */
function lambdaRecord(record: StreamRecord): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...stream } = record.dynamodb ?? {};
  return {
    ...(record.eventID ? { eventID: record.eventID } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ...(stream as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
  };
}

/** How often the local stack applies the stream: well within the counters' 2 s lag. */
export const LOCAL_STREAM_POLL_MS = 250;

/**
 * The local stack's counter aggregation: the deployed handler on the
 * sessions table's stream, polled. `drain` applies what is written so far.
 */
export function startCounterAggregation(
  endpoint: string,
  db: DynamoDBDocumentClient,
  table: TableRef,
  onError: (error: unknown) => void,
): { drain(): Promise<number>; stop(): Promise<void> } {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' });
  const consumer = new StreamConsumer(endpoint, table.tableName, aggregateCountersHandler({ applier: new CounterApplier(db, table), ...observed }));
  consumer.start(LOCAL_STREAM_POLL_MS, onError);
  return { drain: () => consumer.drain(), stop: () => consumer.stop() };
}
