/**
 * Lifecycle events from an SQS queue (the AWS IoT topic rules' `sqs` action):
 * each message body is one event as the rule sent it. The batch is stored
 * as one (parallel across clients, each client's events in order), and the
 * answer names only the messages whose write failed, so that SQS delivers
 * those again and, after the queue's receive limit, moves them to its
 * dead-letter queue. A message that can never be stored (unreadable, or an
 * UnstorableEventError) is logged and counted, and not named: sending it
 * again would fail again.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SourceEvent } from '../sessions/source-events.js';
import { applyBatch } from './apply-batch.js';
import { publishAddedMetrics } from '../http/observability.js';
import type { IngestDeps } from './handlers.js';

/** Messages dropped because their body is not an event. */
export const UNREADABLE_METRIC = 'IngestUnreadable';

/** Messages named in the answer, to be delivered again. */
export const RETRIED_METRIC = 'IngestRetried';

export function isQueueEvent(event: unknown): event is SQSEvent {
  if (typeof event !== 'object' || event === null || !('Records' in event)) return false;
  const records = (event as { Records: unknown }).Records;
  return Array.isArray(records) && records.length > 0 && (records[0] as Partial<SQSRecord>).eventSource === 'aws:sqs';
}

/** When the rule sent the message: the time the event was received, also when it is delivered again. */
const sentAt = (record: SQSRecord): number => Number(record.attributes?.SentTimestamp) || Date.now();

export function queueIngestHandler(deps: Pick<IngestDeps, 'writer' | 'parse' | 'logger' | 'metrics'>): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async ({ Records: records }) => {
    const messageOf = new Map<SourceEvent, string>();
    let unreadable = 0;
    for (const record of records) {
      try {
        for (const event of deps.parse(JSON.parse(record.body), sentAt(record))) messageOf.set(event, record.messageId);
      } catch (error) {
        unreadable += 1;
        deps.logger.error('unreadable queued event dropped', { messageId: record.messageId, error: error as Error, body: record.body.slice(0, 2000) });
      }
    }
    const failed = new Set<string>();
    await applyBatch(deps, [...messageOf.keys()], undefined, (event, error) => {
      const messageId = messageOf.get(event)!;
      if (!failed.has(messageId)) deps.logger.warn('queued event not stored: delivered again', { messageId, error: error as Error });
      failed.add(messageId);
    });
    if (unreadable > 0) deps.metrics?.addMetric(UNREADABLE_METRIC, MetricUnit.Count, unreadable);
    if (failed.size > 0) deps.metrics?.addMetric(RETRIED_METRIC, MetricUnit.Count, failed.size);
    publishAddedMetrics(deps.metrics);
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
