/**
 * POST /ingest/<source>: token, body, batches, and the answers a sender acts
 * on (EMQX 5 retries 503 and 429 only). The EMQX parser stands in for any
 * source; DynamoDB faults are injected into a real client's stack.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../functions/http/response.js';
import { ingestRoute } from '../../../functions/ingest/handlers.js';
import { MAX_BATCH } from '../../../functions/ingest/request.js';
import { SourceWriter } from '../../../functions/sessions/source-writer.js';
import { parseEmqxWebhook } from '../../../functions/sources/emqx/webhook.js';
import { failFirst, delayEvery, injectFaults, isCommand } from '../../support/dynamodb-faults.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';
import { emqxConnectedBody, ingestPost, TEST_INGEST_TOKEN } from '../../support/ingest-requests.js';
import { snapshotTable, tableProblems } from '../../support/table-invariants.js';

const TOKEN = TEST_INGEST_TOKEN;
const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

function route(db = t.db, deadlineMs?: number, writer = new SourceWriter(db, t.table)) {
  return ingestRoute({
    writer,
    token: async () => TOKEN,
    parse: parseEmqxWebhook,
    logger: new Logger({ logLevel: 'SILENT' }),
    ...(deadlineMs ? { deadlineMs } : {}),
  });
}

const post = (body: unknown, authorization: string | null = `Bearer ${TOKEN}`) => ingestPost(body, authorization);

const connectedBody = (clientid: string, connectedAt = T0) => emqxConnectedBody(clientid, connectedAt);

const body = (response: HttpResponse) => (response.body ? (JSON.parse(response.body) as { code: number; message: string }) : undefined);

describe('POST /ingest/emqx', () => {
  it('answers 204 with no body and stores the event', async () => {
    const response = await route()(post(connectedBody('ingest-1')));
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(await t.store.get('ingest-1', { consistent: true })).toMatchObject({ conn_state: 'connected', ip_address: '10.0.0.9', port: 50123 });
  });

  it('answers 401 with a challenge for a missing or wrong token, and stores nothing', async () => {
    for (const authorization of [null, 'Bearer wrong-token', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN]) {
      const response = await route()(post(connectedBody('ingest-401'), authorization));
      expect(response.statusCode).toBe(401);
      expect(response.headers?.['www-authenticate']).toMatch(/^Bearer/);
      expect(body(response)).toEqual({ code: 401, message: expect.stringContaining('Bearer') });
    }
    expect(await t.store.get('ingest-401', { consistent: true })).toBeUndefined();
  });

  it('answers 400 naming the problem for a body that is not JSON or not an event', async () => {
    const notJson = await route()(post('{"event": '));
    expect(notJson.statusCode).toBe(400);
    expect(body(notJson)).toEqual({ code: 108, message: expect.stringContaining('body') });
    const badField = await route()(post({ ...connectedBody('ingest-400'), connected_at: 'yesterday' }));
    expect(badField.statusCode).toBe(400);
    expect(body(badField)?.message).toContain('connected_at');
    expect(await t.store.get('ingest-400', { consistent: true })).toBeUndefined();
  });

  it('takes a batch as an array, in order, and stores none of it when one event is bad', async () => {
    const ok = await route()(post([connectedBody('batch-1'), connectedBody('batch-2')]));
    expect(ok.statusCode).toBe(204);
    expect(await t.store.get('batch-2', { consistent: true })).toMatchObject({ conn_state: 'connected' });
    const bad = await route()(post([connectedBody('batch-3'), { event: 'client.connected' }]));
    expect(bad.statusCode).toBe(400);
    expect(await t.store.get('batch-3', { consistent: true })).toBeUndefined();
  });

  it('answers 400 for a batch of more than 1000 events, and stores none of it', async () => {
    const events = Array.from({ length: MAX_BATCH + 1 }, () => connectedBody('too-many'));
    const response = await route()(post(events));
    expect(response.statusCode).toBe(400);
    expect(body(response)?.message).toContain(`at most ${MAX_BATCH}`);
    expect(await t.store.get('too-many', { consistent: true })).toBeUndefined();
  });

  it('answers 503 with Retry-After while DynamoDB throttles, and loses nothing once the event is sent again', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, () => ({ kind: 'error-response', type: 'ThrottlingException' }));
    const handler = route(db);
    const event = post(connectedBody('throttled'));
    const first = await handler(event);
    expect(first.statusCode).toBe(503);
    expect(first.headers?.['Retry-After'] ?? first.headers?.['retry-after']).toBe('1');
    expect(body(first)?.code).toBe(101);
    expect(faults.injected).toBeGreaterThan(0);
    expect(await t.store.get('throttled', { consistent: true })).toBeUndefined();

    faults.setRule(failFirst(1, { kind: 'timeout-after-send' }, isCommand('PutItemCommand')));
    // The sender retries; the write whose reply was lost already landed, and the retry changes nothing.
    const retried = await handler(event);
    expect([204, 503]).toContain(retried.statusCode);
    if (retried.statusCode === 503) expect((await handler(event)).statusCode).toBe(204);
    expect(await t.store.get('throttled', { consistent: true })).toMatchObject({ conn_state: 'connected' });
    // The counters still add up to the live sessions, item by item, whatever other tests stored.
    expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
    faults.remove();
    db.destroy();
  });

  it('answers 503 with Retry-After, never 500, for a store failure nobody expected', async () => {
    // EMQX 5 drops an event answered 500; an error of unknown kind may pass, so the event is kept for a retry.
    const broken = new (class extends SourceWriter {
      override async apply(): Promise<never> {
        throw new Error('a bug in the writer');
      }
    })(t.db, t.table);
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, () => ({ kind: 'error-response', type: 'ValidationException' }));
    for (const handler of [route(t.db, undefined, broken), route(db)]) {
      const response = await handler(post(connectedBody('unexpected')));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After'] ?? response.headers?.['retry-after']).toBe('1');
      expect(body(response)?.code).toBe(101);
    }
    expect(faults.injected).toBeGreaterThan(0);
    expect(await t.store.get('unexpected', { consistent: true })).toBeUndefined();
    faults.remove();
    db.destroy();
  });

  it('answers 503 rather than outlive the sender\'s own timeout', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = delayEvery(db, 400);
    const response = await route(db, 100)(post(connectedBody('slow')));
    expect(response.statusCode).toBe(503);
    expect(body(response)?.message).toContain('100 ms');
    faults.remove();
  });
});
