/**
 * The AWS IoT ingest function as its IoT topic rule invokes it (asynchronously:
 * a throw makes Lambda invoke it again): an event that can never be stored is
 * logged and counted, not thrown, while store failures still are.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAwsIotIngestConfig } from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import { UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { TOPIC_SET_MAX_TOPICS } from '../../../functions/sessions/topics.js';
import { injectFaults } from '../../support/dynamodb-faults.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

function ingestFunction(db = t.db) {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const logger = new Logger({ logLevel: 'SILENT' });
  const metrics = vi.spyOn(observed.metrics, 'addMetric');
  const handler = awsIotIngestHandler(awsIotIngestDepsOf(loadAwsIotIngestConfig(t.env), { ...observed, logger }, db));
  return { handler, metrics };
}

const base = (clientId: string, timestamp: number) => ({ clientId, timestamp, sessionIdentifier: 's-1', principalIdentifier: 'cert-1' });
const connected = (clientId: string) => ({
  ...base(clientId, T0),
  eventType: 'connected',
  ipAddress: '192.0.2.10',
  versionNumber: 1,
  topic: `$aws/events/presence/connected/${clientId}`,
});
const subscribed = (clientId: string, topics: string[]) => ({
  ...base(clientId, T0 + 1000),
  eventType: 'subscribed',
  topics,
  topic: `$aws/events/subscriptions/subscribed/${clientId}`,
});

describe('AWS IoT ingest, invoked by its topic rule', () => {
  it('logs and counts a subscribe past the topic set\'s cap instead of throwing it back for a retry', async () => {
    const { handler, metrics } = ingestFunction();
    await handler(connected('iot-cap'));
    const tooMany = Array.from({ length: TOPIC_SET_MAX_TOPICS + 1 }, (_, i) => `dev/${i}`);
    await expect(handler(subscribed('iot-cap', tooMany))).resolves.toBeUndefined();
    expect(metrics).toHaveBeenCalledWith(UNSTORABLE_METRIC, 'Count', 1);
    expect(await t.store.get('iot-cap', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 0 });
    await handler(subscribed('iot-cap', ['dev/ok']));
    expect(await t.store.get('iot-cap', { consistent: true })).toMatchObject({ subscriptions_cnt: 1 });
  });

  it('still throws a store failure, so that Lambda invokes it again', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, () => ({ kind: 'error-response', type: 'ValidationException' }));
    await expect(ingestFunction(db).handler(connected('iot-failing'))).rejects.toThrow();
    faults.remove();
    db.destroy();
  });
});
