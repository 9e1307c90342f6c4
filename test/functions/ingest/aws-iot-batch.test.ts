/**
 * The AWS IoT ingest function at its URL, as the topic rules' batched HTTP
 * action calls it (the `http` delivery): a batch is a JSON array of lifecycle
 * events; the destination's confirmation request comes unsigned and without
 * the rule's headers. Against DynamoDB Local.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAwsIotIngestConfig } from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import type { HttpResponse } from '../../../functions/http/response.js';
import { UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { UNREADABLE_METRIC } from '../../../functions/ingest/queue.js';
import { TOPIC_SET_MAX_TOPICS } from '../../../functions/sessions/topics.js';
import { injectFaults } from '../../support/dynamodb-faults.js';
import { createTestTable, localDocumentClient, type TestTable } from '../../support/dynamodb.js';
import { TEST_INGEST_TOKEN } from '../../support/ingest-requests.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const REGION = 'eu-west-1';
const BEARER = `Bearer ${TEST_INGEST_TOKEN}`;

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

/** The function as deployed with the `http` delivery, over `db`; `fetched` records the URLs it fetches. */
function ingestFunction(options: { db?: TestTable['db']; fetchStatus?: number } = {}) {
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const metrics = vi.spyOn(observed.metrics, 'addMetric');
  const env = { ...t.env, AWS_REGION: REGION, AWS_IOT_DELIVERY: 'http', INGEST_TOKEN: TEST_INGEST_TOKEN };
  const fetched: string[] = [];
  const deps = awsIotIngestDepsOf(loadAwsIotIngestConfig(env), { ...observed, logger: new Logger({ logLevel: 'SILENT' }) }, options.db ?? t.db);
  const handler = awsIotIngestHandler({
    ...deps,
    fetchUrl: async (url) => {
      fetched.push(url);
      return options.fetchStatus ?? 200;
    },
  });
  return { handler: handler as (event: unknown) => Promise<HttpResponse>, metrics, fetched };
}

/** A request to the function URL as Lambda hands it over (payload format 2.0, route `$default`). */
function urlRequest(body: string, headers: Record<string, string>, rawQueryString = '') {
  const host = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString,
    headers: { host, 'content-type': 'application/json', 'x-forwarded-proto': 'https', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: host,
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'AWS-IoT-Rules-Engine' },
      requestId: 'b2a5c1f0-0000-4000-8000-000000000002',
      routeKey: '$default',
      stage: '$default',
      time: '07/Dec/2026:09:00:00 +0000',
      timeEpoch: T0,
    },
    body,
    isBase64Encoded: false,
  };
}

/** `authorization` null sends none. */
const batch = (events: unknown[], authorization: string | null = BEARER) => urlRequest(JSON.stringify(events), authorization ? { authorization } : {});

const connected = (clientId: string, versionNumber = 1) => ({
  clientId,
  timestamp: T0,
  eventType: 'connected',
  sessionIdentifier: `s-${clientId}`,
  principalIdentifier: 'cert-1',
  ipAddress: '192.0.2.10',
  versionNumber,
  topic: `$aws/events/presence/connected/${clientId}`,
});
const subscribed = (clientId: string, topics: string[]) => ({
  clientId,
  timestamp: T0 + 1_000,
  eventType: 'subscribed',
  sessionIdentifier: `s-${clientId}`,
  principalIdentifier: 'cert-1',
  topics,
  topic: `$aws/events/subscriptions/subscribed/${clientId}`,
});

const bodyOf = (answer: HttpResponse) => JSON.parse(answer.body) as { code: unknown; message: unknown };

describe('AWS IoT batches at the function URL', () => {
  it('stores every event of a batch that mixes topics and clients, each client in order', async () => {
    const { handler } = ingestFunction();
    const answer = await handler(batch([connected('b-1'), connected('b-2'), subscribed('b-1', ['dev/b-1/cmd']), subscribed('b-2', ['dev/b-2/cmd', 'all'])]));
    expect(answer.statusCode).toBe(204);
    expect(await t.store.get('b-1', { consistent: true })).toMatchObject({ conn_state: 'connected', node: `aws-iot@${REGION}`, subscriptions_cnt: 1 });
    expect(await t.store.get('b-2', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 2 });
  });

  it('stores a batch of one sent as the event itself, not an array', async () => {
    const { handler } = ingestFunction();
    const answer = await handler(urlRequest(JSON.stringify(connected('b-alone')), { authorization: BEARER }));
    expect(answer.statusCode).toBe(204);
    expect(await t.store.get('b-alone', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('drops an unreadable event and one that can never be stored, stores the rest, and answers 2xx so the rule sends neither again', async () => {
    const { handler, metrics } = ingestFunction();
    const tooMany = Array.from({ length: TOPIC_SET_MAX_TOPICS + 1 }, (_, i) => `dev/${i}`);
    const unreadable = { ...connected('b-bad'), versionNumber: 'one' };
    const answer = await handler(batch([connected('b-3'), unreadable, subscribed('b-3', tooMany), connected('b-4')]));
    expect(answer.statusCode).toBe(204);
    expect(metrics).toHaveBeenCalledWith(UNREADABLE_METRIC, 'Count', 1);
    expect(metrics).toHaveBeenCalledWith(UNSTORABLE_METRIC, 'Count', 1);
    expect(await t.store.get('b-3', { consistent: true })).toMatchObject({ conn_state: 'connected', subscriptions_cnt: 0 });
    expect(await t.store.get('b-4', { consistent: true })).toMatchObject({ conn_state: 'connected' });
    expect(await t.store.get('b-bad', { consistent: true })).toBeUndefined();
  });

  it.each([
    ['a body that is not JSON', '[{"clientId":'],
    ['an array of other things than objects', '[1, "connected"]'],
  ])('answers %s with 400 {code, message} and stores nothing', async (_, body) => {
    const { handler } = ingestFunction();
    const answer = await handler(urlRequest(body, { authorization: BEARER }));
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toEqual({ code: 108, message: expect.stringContaining('body') });
  });

  it.each([
    ['no token', null],
    ['a wrong token', 'Bearer not-the-token-0123456789abcdef'],
  ])('refuses %s with 401 and stores nothing', async (_, authorization) => {
    const { handler } = ingestFunction();
    const answer = await handler(batch([connected('b-refused')], authorization));
    expect(answer.statusCode).toBe(401);
    expect(bodyOf(answer)).toEqual({ code: 401, message: expect.any(String) });
    expect(await t.store.get('b-refused', { consistent: true })).toBeUndefined();
  });

  it('answers 503 {code, message} with Retry-After when DynamoDB fails, so that the rule retries the batch and then dead-letters it', async () => {
    const db = localDocumentClient(t.endpoint);
    const faults = injectFaults(db, () => ({ kind: 'connection-reset' }));
    try {
      const answer = await ingestFunction({ db }).handler(batch([connected('b-down')]));
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject({ 'Retry-After': '1' });
      expect(bodyOf(answer)).toEqual({ code: 101, message: expect.stringContaining('send again') });
      expect(faults.injected).toBeGreaterThan(0);
    } finally {
      faults.remove();
      db.destroy();
    }
    // The batch sent again once DynamoDB is back is stored.
    expect((await ingestFunction().handler(batch([connected('b-down')]))).statusCode).toBe(204);
    expect(await t.store.get('b-down', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });
});

describe('the topic rule destination confirmation', () => {
  const token = 'AYADeMXLrPrNY2wqJAKsFNn-confirmation-token';
  const arn = `arn:aws:iot:${REGION}:123456789012:ruledestination/http/7a280e37-b9c6-47a2-a751-0703693f46e4`;
  const confirmation = (enableUrl: string, messageArn = arn) =>
    urlRequest(
      JSON.stringify({ arn: messageArn, confirmationToken: token, enableUrl, messageType: 'DestinationConfirmation' }),
      { 'x-amz-rules-engine-message-type': 'DestinationConfirmation', 'x-amz-rules-engine-destination-arn': messageArn },
      `confirmationToken=${token}`,
    );
  const enableUrl = `https://iot.${REGION}.amazonaws.com/confirmdestination/${token}`;

  it('confirms the destination by fetching its enable URL, without a token', async () => {
    const { handler, fetched } = ingestFunction();
    const answer = await handler(confirmation(enableUrl));
    expect(answer.statusCode).toBe(200);
    expect(fetched).toEqual([enableUrl]);
  });

  it.each([
    ['another host', `https://attacker.example/confirmdestination/${token}`, arn],
    ['another region', `https://iot.us-east-1.amazonaws.com/confirmdestination/${token}`, arn],
    ['another token', `https://iot.${REGION}.amazonaws.com/confirmdestination/other`, arn],
    ['a destination of another region', enableUrl, arn.replace(REGION, 'us-east-1')],
  ])('refuses a confirmation naming %s with 400 and fetches nothing', async (_, url, messageArn) => {
    const { handler, fetched } = ingestFunction();
    const answer = await handler(confirmation(url, messageArn));
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toEqual({ code: 108, message: expect.any(String) });
    expect(fetched).toEqual([]);
  });

  it('answers 502 when AWS IoT refuses the confirmation', async () => {
    const { handler } = ingestFunction({ fetchStatus: 403 });
    const answer = await handler(confirmation(enableUrl));
    expect(answer.statusCode).toBe(502);
    expect(bodyOf(answer)).toEqual({ code: 101, message: expect.stringContaining('403') });
  });
});
