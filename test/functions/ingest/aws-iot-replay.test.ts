/**
 * Replaying the stack's dead-letter queue: the AWS IoT ingest function,
 * invoked with an error action's document as it is, stores the events it
 * holds, from one failed message or from a failed batch of the batched HTTP
 * delivery. Against DynamoDB Local.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAwsIotIngestConfig } from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { eventsOfErrorAction, isErrorActionDocument } from '../../../functions/ingest/error-action-replay.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

function ingestFunction() {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  return awsIotIngestHandler(awsIotIngestDepsOf(loadAwsIotIngestConfig(t.env), { ...observed, logger: new Logger({ logLevel: 'SILENT' }) }, t.db));
}

/** A lifecycle event as the rule's SQL selects it, less the `topic` the error action keeps beside it. */
const connected = (clientId: string) => ({
  clientId,
  timestamp: T0,
  eventType: 'connected',
  sessionIdentifier: `s-${clientId}`,
  principalIdentifier: 'cert-1',
  ipAddress: '192.0.2.20',
  versionNumber: 3,
});
const disconnected = (clientId: string) => ({
  clientId,
  timestamp: T0 + 5_000,
  eventType: 'disconnected',
  sessionIdentifier: `s-${clientId}`,
  principalIdentifier: 'cert-1',
  clientInitiatedDisconnect: true,
  disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
  versionNumber: 3,
});
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const topicOf = (event: { eventType: string; clientId: string }) => `$aws/events/presence/${event.eventType}/${event.clientId}`;
const failures = [{ failedAction: 'HttpAction', failedResource: 'https://example.lambda-url.eu-west-1.on.aws/', errorMessage: 'HttpAction failed: 503' }];

describe('replaying the rules\' error action documents', () => {
  it('rebuilds one failed message with its topic', () => {
    const event = connected('r-one');
    const document = { ruleName: 'presence', topic: topicOf(event), clientId: 'r-one', base64OriginalPayload: base64(event), failures };
    expect(isErrorActionDocument(document)).toBe(true);
    expect(eventsOfErrorAction(document)).toEqual([{ ...event, topic: topicOf(event) }]);
    expect(isErrorActionDocument({ ...event, topic: topicOf(event) })).toBe(false);
  });

  it('stores one failed message when the function is invoked with its document', async () => {
    const event = connected('r-single');
    await ingestFunction()({ ruleName: 'presence', topic: topicOf(event), clientId: 'r-single', base64OriginalPayload: base64(event), failures });
    expect(await t.store.get('r-single', { consistent: true })).toMatchObject({ conn_state: 'connected', ip_address: '192.0.2.20' });
  });

  it('stores every event of a failed batch, each client in order, and drops only an unreadable entry', async () => {
    const events = [connected('r-batch-1'), connected('r-batch-2'), disconnected('r-batch-1')];
    const document = {
      ruleName: 'presence',
      cloudwatchTraceId: '7e146a2c-95b5-6caf-98b9-50e3969734c7',
      payloadsWithMetadata: [
        ...events.map((event) => ({ topic: topicOf(event), base64OriginalPayload: base64(event) })),
        { topic: '$aws/events/presence/connected/r-batch-bad', base64OriginalPayload: base64({ ...connected('r-batch-bad'), versionNumber: 'x' }) },
      ],
      failures,
    };
    expect(eventsOfErrorAction(document)).toHaveLength(4);
    await ingestFunction()(document);
    // A clean session ends with its disconnect, which came after its connect.
    expect(await t.store.get('r-batch-1', { consistent: true })).toMatchObject({ conn_state: null, ended_at: T0 + 5_000, ended_reason: 'disconnected' });
    expect(await t.store.get('r-batch-2', { consistent: true })).toMatchObject({ conn_state: 'connected' });
    expect(await t.store.get('r-batch-bad', { consistent: true })).toBeUndefined();
  });
});
