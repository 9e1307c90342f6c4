/**
 * At the default log level the ingest functions write nothing for an event
 * stored as expected (CloudWatch Logs bills every byte, per event at batch
 * size 1); a warning and its metric line only when something is dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAwsIotIngestConfig, loadEmqxIngestConfig } from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { emqxIngestDepsOf } from '../../../functions/ingest/emqx.js';
import { ingestRoute } from '../../../functions/ingest/handlers.js';
import { TOPIC_SET_MAX_TOPICS } from '../../../functions/sessions/topics.js';
import { awsConnected, emqx5Connected, emqx5Disconnected } from '../../bench/ingest-bodies.js';
import { captureOutput } from '../../bench/output-capture.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { ingestPost, TEST_INGEST_TOKEN } from '../../support/ingest-requests.js';

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
/** The level a deployment runs at unless told otherwise, with metrics on. */
const DEFAULT_ENV = { POWERTOOLS_LOG_LEVEL: 'INFO' };

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

const emqxClient = (clientid: string) => ({ clientid, node: 'emqx@10.0.0.1', connected_at: T0, clean_start: true, expiry_interval: 0 });

describe('ingest logging at the default level', () => {
  it('writes no line for EMQX events stored, one request or a batch', async () => {
    const route = ingestRoute(emqxIngestDepsOf(loadEmqxIngestConfig({ ...t.env, INGEST_TOKEN: TEST_INGEST_TOKEN }), observability(DEFAULT_ENV), t.db));
    const c = emqxClient('quiet-emqx');
    const { result, output } = await captureOutput(async () => [
      await route(ingestPost(emqx5Connected(c), `Bearer ${TEST_INGEST_TOKEN}`)),
      await route(ingestPost([emqx5Disconnected(c, T0 + 1000), emqx5Connected({ ...c, connected_at: T0 + 2000 })], `Bearer ${TEST_INGEST_TOKEN}`)),
    ]);
    expect(result.map((r) => r.statusCode)).toEqual([204, 204]);
    expect(output.lines).toEqual([]);
    expect(await t.store.get('quiet-emqx', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('writes no line for an AWS IoT event the rule delivers, and a warning with its metric line for one dropped', async () => {
    const handler = awsIotIngestHandler(awsIotIngestDepsOf(loadAwsIotIngestConfig(t.env), observability(DEFAULT_ENV), t.db));
    const stored = await captureOutput(() => handler(awsConnected({ clientId: 'quiet-iot', sessionIdentifier: 's-1', versionNumber: 1, timestamp: T0 })));
    expect(stored.output.lines).toEqual([]);
    const tooMany = Array.from({ length: TOPIC_SET_MAX_TOPICS + 1 }, (_, i) => `dev/${i}`);
    const dropped = await captureOutput(() =>
      handler({ clientId: 'quiet-iot', timestamp: T0 + 1, eventType: 'subscribed', sessionIdentifier: 's-1', principalIdentifier: 'p', topics: tooMany }),
    );
    const parsed = dropped.output.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line.level ?? ('_aws' in line ? 'EMF' : 'other'))).toEqual(['WARN', 'EMF']);
  });
});
