/**
 * The AWS IoT ingest function as the SQS event source mapping invokes it:
 * a batch of queued lifecycle events stored against DynamoDB Local, and a
 * partial batch answer that names exactly the messages whose write failed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAwsIotIngestConfig } from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import { UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { RETRIED_METRIC, UNREADABLE_METRIC } from '../../../functions/ingest/queue.js';
import type { SourceEvent } from '../../../functions/sessions/source-events.js';
import { TOPIC_SET_MAX_TOPICS } from '../../../functions/sessions/topics.js';
import { injectFaults } from '../../support/dynamodb-faults.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

/** The function over `db`, with the order in which events reached the writer, and the metrics it added. */
function ingestFunction(db = t.db) {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const metrics = vi.spyOn(observed.metrics, 'addMetric');
  const deps = awsIotIngestDepsOf(loadAwsIotIngestConfig(t.env), { ...observed, logger: new Logger({ logLevel: 'SILENT' }) }, db);
  // Each event the writer got, named by the lifecycle event it was read from.
  const sourceOf = new Map<SourceEvent, { clientId: string; eventType: string }>();
  const parse = deps.parse;
  deps.parse = (body, receivedAt) => {
    const events = parse(body, receivedAt);
    for (const event of events) sourceOf.set(event, body as { clientId: string; eventType: string });
    return events;
  };
  const applied: { clientId: string; eventType: string }[] = [];
  const apply = deps.writer.apply.bind(deps.writer);
  vi.spyOn(deps.writer, 'apply').mockImplementation(async (event) => {
    applied.push(sourceOf.get(event)!);
    return apply(event);
  });
  const handler = awsIotIngestHandler(deps) as (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  return { handler, metrics, applied };
}

const presence = (clientId: string, eventType: 'connected' | 'disconnected', versionNumber: number, at: number) => ({
  clientId,
  timestamp: at,
  eventType,
  sessionIdentifier: `s-${clientId}-${versionNumber}`,
  principalIdentifier: 'cert-1',
  versionNumber,
  ...(eventType === 'connected' ? { ipAddress: '192.0.2.10' } : { clientInitiatedDisconnect: true, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' }),
  topic: `$aws/events/presence/${eventType}/${clientId}`,
});
const subscribed = (clientId: string, topics: string[], at: number) => ({
  clientId,
  timestamp: at,
  eventType: 'subscribed',
  sessionIdentifier: `s-${clientId}-1`,
  principalIdentifier: 'cert-1',
  topics,
  topic: `$aws/events/subscriptions/subscribed/${clientId}`,
});

let sequence = 0;
/** A record as the event source mapping delivers it: the rule's event as the body (the `sqs` action without base64). */
function record(body: unknown): SQSRecord {
  sequence += 1;
  const messageId = `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(T0),
      SenderId: 'AROAEXAMPLE:iot',
      ApproximateFirstReceiveTimestamp: String(T0 + 5),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:IotEventsQueue',
    awsRegion: 'eu-west-1',
  };
}

const failedIds = (answer: { batchItemFailures: { itemIdentifier: string }[] }) => answer.batchItemFailures.map((f) => f.itemIdentifier).sort();

describe('AWS IoT ingest from its queue', () => {
  it('stores a batch and answers with no failures, each client\'s events in message order', async () => {
    const { handler, applied } = ingestFunction();
    const records = [
      record(presence('q-a', 'connected', 1, T0)),
      record(presence('q-b', 'connected', 1, T0)),
      record(subscribed('q-a', ['a/1'], T0 + 1000)),
      record(presence('q-b', 'disconnected', 1, T0 + 2000)),
      record(presence('q-a', 'disconnected', 1, T0 + 3000)),
      record(presence('q-b', 'connected', 2, T0 + 4000)),
    ];
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    const kinds = (clientId: string) => applied.filter((e) => e.clientId === clientId).map((e) => e.eventType);
    expect(kinds('q-a')).toEqual(['connected', 'subscribed', 'disconnected']);
    expect(kinds('q-b')).toEqual(['connected', 'disconnected', 'connected']);
    expect(await t.store.get('q-a', { consistent: true })).toMatchObject({ conn_state: null, ended_at: T0 + 3000, ended_reason: 'disconnected' });
    expect(await t.store.get('q-b', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('names only the messages of a throttled client, from its failed write on, and stores the other clients', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, (request) => (JSON.stringify(request.input).includes('q-throttled') ? { kind: 'error-response', type: 'ThrottlingException' } : undefined));
    const { handler, applied } = ingestFunction(db);
    const throttled = [
      record(presence('q-throttled', 'connected', 1, T0)),
      record(subscribed('q-throttled', ['t/1'], T0 + 1000)),
      record(presence('q-throttled', 'disconnected', 1, T0 + 2000)),
    ];
    const fine = [record(presence('q-fine-1', 'connected', 1, T0)), record(presence('q-fine-2', 'connected', 1, T0))];
    const answer = await handler({ Records: [throttled[0]!, fine[0]!, throttled[1]!, fine[1]!, throttled[2]!] });
    faults.remove();
    db.destroy();

    expect(failedIds(answer)).toEqual(throttled.map((r) => r.messageId).sort());
    // The later events of the failed client were not written: sent again, they come in order.
    expect(applied.filter((e) => e.clientId === 'q-throttled').map((e) => e.eventType)).toEqual(['connected']);
    expect(faults.injected).toBeGreaterThan(0);
    expect(await t.store.get('q-throttled', { consistent: true })).toBeUndefined();
    expect(await t.store.get('q-fine-1', { consistent: true })).toMatchObject({ conn_state: 'connected' });
    expect(await t.store.get('q-fine-2', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  }, 30_000);

  it('stores a message after a throttled delivery when it is delivered again', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, (request) => (JSON.stringify(request.input).includes('q-again') ? { kind: 'error-response', type: 'ThrottlingException' } : undefined));
    const { handler, metrics } = ingestFunction(db);
    const message = record(presence('q-again', 'connected', 1, T0));
    expect(failedIds(await handler({ Records: [message] }))).toEqual([message.messageId]);
    expect(metrics).toHaveBeenCalledWith(RETRIED_METRIC, 'Count', 1);
    faults.setRule(undefined);
    expect(await handler({ Records: [message] })).toEqual({ batchItemFailures: [] });
    faults.remove();
    db.destroy();
    expect(await t.store.get('q-again', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  }, 30_000);

  it('drops what can never be stored without naming it, and stores the rest of the batch', async () => {
    const { handler, metrics } = ingestFunction();
    const tooMany = Array.from({ length: TOPIC_SET_MAX_TOPICS + 1 }, (_, i) => `dev/${i}`);
    const answer = await handler({
      Records: [
        record('{not json'),
        record({ clientId: 'q-invalid', eventType: 'connected' }),
        record(presence('q-capped', 'connected', 1, T0)),
        record(subscribed('q-capped', tooMany, T0 + 1000)),
        record(presence('q-valid', 'connected', 1, T0)),
      ],
    });
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics).toHaveBeenCalledWith(UNREADABLE_METRIC, 'Count', 2);
    expect(metrics).toHaveBeenCalledWith(UNSTORABLE_METRIC, 'Count', 1);
    expect(await t.store.get('q-invalid', { consistent: true })).toBeUndefined();
    expect(await t.store.get('q-capped', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 0 });
    expect(await t.store.get('q-valid', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });
});
