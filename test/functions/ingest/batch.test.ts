/**
 * A batch through the real ingest factory and DynamoDB Local: stored in
 * parallel with each client's events in order, stopped when it answers at
 * its deadline, and an event that can never be stored (a topic set past its
 * cap) answered so that the sender drops it while the rest is stored.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEmqxIngestConfig } from '../../../functions/config.js';
import { BATCH_CONCURRENCY, UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import { emqxIngestDepsOf } from '../../../functions/ingest/emqx.js';
import { ingestRoute } from '../../../functions/ingest/handlers.js';
import { observability } from '../../../functions/http/observability.js';
import type { HttpResponse } from '../../../functions/http/response.js';
import { readTopics, TOPIC_SET_MAX_BYTES } from '../../../functions/sessions/topics.js';
import { emqx5Connected, emqx5Subscription, type Emqx5Client } from '../../bench/ingest-bodies.js';
import { delayEvery, injectFaults } from '../../support/dynamodb-faults.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';
import { ingestPost, TEST_INGEST_TOKEN } from '../../support/ingest-requests.js';

const TOKEN = TEST_INGEST_TOKEN;
const T0 = Date.UTC(2026, 10, 3, 8, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
});
afterAll(async () => t.drop());

/** The handler as functions/ingest-emqx.ts builds it, over `db`, with a logger and metrics the test can watch. */
function ingestFunction(db = t.db, deadlineMs?: number) {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const logger = new Logger({ logLevel: 'SILENT' });
  const deps = emqxIngestDepsOf(loadEmqxIngestConfig({ ...t.env, INGEST_TOKEN: TOKEN }), { ...observed, logger }, db);
  const warnings = vi.spyOn(logger, 'warn');
  const metrics = vi.spyOn(observed.metrics, 'addMetric');
  return { handler: ingestRoute({ ...deps, ...(deadlineMs ? { deadlineMs } : {}) }), warnings, metrics };
}

const post = (bodies: unknown[]) => ingestPost(bodies, `Bearer ${TOKEN}`);

const client = (clientid: string): Emqx5Client => ({ clientid, node: 'emqx@10.0.0.1', connected_at: T0, clean_start: true, expiry_interval: 0 });
const connectedBody = (clientid: string, connectedAt = T0) => emqx5Connected({ ...client(clientid), connected_at: connectedAt });
const subscribedBody = (clientid: string, topic: string, at: number) => emqx5Subscription('subscribed', client(clientid), topic, at);
const unsubscribedBody = (clientid: string, topic: string, at: number) => emqx5Subscription('unsubscribed', client(clientid), topic, at);

const answer = (response: HttpResponse) => JSON.parse(response.body) as { code: number; message: string };

describe('an ingest batch', () => {
  it('answers 422 for subscribes past the topic set\'s cap, stores the rest, and keeps the count to the set', async () => {
    const big = (i: number) => `fleet/${i}/${'x'.repeat(60_000)}`;
    const batch = [
      connectedBody('cap-1'),
      ...Array.from({ length: 8 }, (_, i) => subscribedBody('cap-1', big(i), T0 + 10 + i)),
      subscribedBody('cap-1', 'small/topic', T0 + 20),
      connectedBody('cap-2'),
      subscribedBody('cap-2', 'small/topic', T0 + 30),
    ];
    const { handler, warnings, metrics } = ingestFunction();
    for (let attempt = 0; attempt < 2; attempt++) {
      // Sent again, it answers the same: never 503, on which EMQX 5 keeps it and sends it forever.
      const response = await handler(post(batch));
      expect(response.statusCode).toBe(422);
      expect(response.headers?.['Retry-After']).toBeUndefined();
      expect(answer(response)).toMatchObject({ code: 108, message: expect.stringContaining('cannot be stored') });
    }
    const fits = Math.floor(TOPIC_SET_MAX_BYTES / 60_100);
    const topics = await readTopics(t.db, t.table, 'cap-1', { consistent: true });
    expect(topics.map((s) => s.topic).sort()).toEqual([...Array.from({ length: fits }, (_, i) => big(i)), 'small/topic'].sort());
    expect(await t.store.get('cap-1', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: fits + 1 });
    expect(await t.store.get('cap-2', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 1 });
    // Counted and logged, one line per event.
    expect(metrics).toHaveBeenCalledWith(UNSTORABLE_METRIC, 'Count', 8 - fits);
    expect(warnings.mock.calls.filter(([message]) => String(message).includes('cannot be stored'))).toHaveLength(2 * (8 - fits));

    // Room made by an unsubscribe takes the next subscribe.
    const freed = await handler(post([unsubscribedBody('cap-1', big(0), T0 + 40), subscribedBody('cap-1', big(7), T0 + 50)]));
    expect(freed.statusCode).toBe(204);
    expect(await t.store.get('cap-1', { consistent: true })).toMatchObject({ subscriptions_cnt: fits + 1 });
  });

  it('keeps each client\'s events in batch order while clients run in parallel, 400 events in one request', async () => {
    const clients = Array.from({ length: 40 }, (_, i) => `order-${i}`);
    // Per client: connect, then 9 subscribe/unsubscribe changes of one topic at the same time stamp:
    // at equal times only the order of application decides (an unsubscribe wins ties, so the last must be one).
    const batch = clients.flatMap((clientid) => [
      connectedBody(clientid),
      ...Array.from({ length: 9 }, (_, k) => (k % 2 === 0 ? subscribedBody(clientid, `t/${k}`, T0 + 100 + k) : unsubscribedBody(clientid, `t/${k - 1}`, T0 + 100 + k))),
    ]);
    expect(batch).toHaveLength(400);
    // Correctness only, with time to spare on a busy machine: the speed is the bench's (test/bench/ingest-batch.ts).
    const response = await ingestFunction(t.db, 50_000).handler(post(batch), { getRemainingTimeInMillis: () => 60_000 });
    expect(response.statusCode).toBe(204);
    for (const clientid of clients) {
      expect(await t.store.get(clientid, { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 1 });
      expect(await readTopics(t.db, t.table, clientid, { consistent: true })).toEqual([{ topic: 't/8', qos: 1 }]);
    }
  }, 60_000);

  it('stores different clients at once, at most BATCH_CONCURRENCY of them', async () => {
    const db = localDocumentClient(t.endpoint);
    let inFlight = 0;
    let most = 0;
    const faults = injectFaults(db, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return undefined;
    });
    const response = await ingestFunction(db).handler(post(Array.from({ length: 60 }, (_, i) => connectedBody(`wide-${i}`))));
    expect(response.statusCode).toBe(204);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(BATCH_CONCURRENCY);
    faults.remove();
    db.destroy();
  });

  it('begins no DynamoDB request once it answered 503 at its deadline', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = delayEvery(db, 40);
    const batch = Array.from({ length: 200 }, (_, i) => connectedBody(`late-${i % 4}`, T0 + i));
    const response = await ingestFunction(db, 300).handler(post(batch));
    expect(response.statusCode).toBe(503);
    const atAnswer = faults.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(faults.requests.length).toBe(atAnswer);
    faults.remove();
    db.destroy();
  });
});
