/**
 * The counter aggregator's handler: a tumbling-window invocation of the
 * sessions table's stream (a window is how Lambda names the stream shard to
 * its handler). Every batch is applied at once, not held for the window's
 * end, so the counts lag the table by about the batching window; the final
 * invocation of a window only tidies the shard's counter item.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableConfig } from '../config.js';
import { publishAddedMetrics } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { CounterApplier } from './applier.js';
import type { Image, ItemChange } from './deltas.js';

/** A DynamoDB stream invocation with a tumbling window. */
export type CounterStreamEvent = {
  Records: DynamoDBRecord[];
  shardId: string;
  eventSourceARN?: string;
  window: { start: string; end: string };
  state?: Record<string, unknown>;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly?: boolean;
};

/** No state is carried between the batches of a window: each is applied as it comes. */
export type CounterStreamResponse = { state: Record<string, never> };

export type AggregateCountersDeps = { applier: Pick<CounterApplier, 'apply' | 'pruneCheckpoints'>; logger: Logger; metrics: Metrics };

/** The change a stream record carries; a record without a sequence number cannot be placed and is refused. */
export function itemChangeOf(record: DynamoDBRecord): ItemChange {
  const stream = record.dynamodb;
  if (!stream?.SequenceNumber) throw new Error(`stream record ${record.eventID ?? '?'} has no sequence number`);
  return {
    sequenceNumber: stream.SequenceNumber,
    ...(stream.OldImage ? { oldImage: stream.OldImage as Image } : {}),
    ...(stream.NewImage ? { newImage: stream.NewImage as Image } : {}),
  };
}

export function aggregateCountersHandler(deps: AggregateCountersDeps): (event: CounterStreamEvent) => Promise<CounterStreamResponse> {
  return async (event) => {
    try {
      if (event.Records.length > 0) {
        const outcome = await deps.applier.apply(event.shardId, event.Records.map(itemChangeOf));
        deps.metrics.addMetric('CounterChangesApplied', MetricUnit.Count, outcome.applied);
        if (outcome.duplicates > 0) {
          deps.metrics.addMetric('CounterChangesRedelivered', MetricUnit.Count, outcome.duplicates);
          deps.logger.info('redelivered stream records skipped', { shardId: event.shardId, duplicates: outcome.duplicates });
        }
      }
      if (event.isFinalInvokeForWindow) {
        const removed = await deps.applier.pruneCheckpoints(event.shardId);
        if (removed > 0) deps.logger.info('checkpoints of closed stream shards removed', { shardId: event.shardId, removed });
      }
      return { state: {} };
    } finally {
      publishAddedMetrics(deps.metrics);
    }
  };
}

/** `db` defaults to a client of the configured endpoint. */
export function aggregateCountersDepsOf(
  config: TableConfig,
  observed: { logger: Logger; metrics: Metrics },
  db: DynamoDBDocumentClient = createDocumentClient(config),
): AggregateCountersDeps {
  return { applier: new CounterApplier(db, config), ...observed };
}
