/**
 * The EMQX ingest function behind its function URL: the URL's event (payload
 * format 2.0, route `$default`, no stage of its own) reads as the API
 * Gateway route's does, with the same bearer token check.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpApiEventSchema } from '../../../functions/http/event.js';
import { ingestRoute } from '../../../functions/ingest/handlers.js';
import { SourceWriter } from '../../../functions/sessions/source-writer.js';
import { parseEmqxWebhook } from '../../../functions/sources/emqx/webhook.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { emqxConnectedBody, ingestPost, TEST_INGEST_TOKEN } from '../../support/ingest-requests.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
});
afterAll(async () => t.drop());

const route = () =>
  ingestRoute({ writer: new SourceWriter(t.db, t.table), token: async () => TEST_INGEST_TOKEN, parse: parseEmqxWebhook, logger: new Logger({ logLevel: 'SILENT' }) });

const connected = (clientid: string) => emqxConnectedBody(clientid, T0);

/** A request to a function URL as Lambda hands it over (the fields of AWS's documented example; no query string, no cookies). */
function functionUrlEvent(body: unknown, authorization: string | undefined) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      host: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws',
      'content-type': 'application/json',
      'user-agent': 'hackney/1.20.1',
      'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(authorization ? { authorization } : {}),
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'hackney/1.20.1' },
      requestId: 'b2a5c1f0-0000-4000-8000-000000000001',
      routeKey: '$default',
      stage: '$default',
      time: '07/Dec/2026:09:00:00 +0000',
      timeEpoch: T0,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

describe('EMQX ingest through the function URL', () => {
  it('reads the URL\'s event and the route\'s alike, but for the route', () => {
    const viaUrl = HttpApiEventSchema.parse(functionUrlEvent(connected('u-1'), `Bearer ${TEST_INGEST_TOKEN}`));
    const viaRoute = HttpApiEventSchema.parse(ingestPost(connected('u-1'), `Bearer ${TEST_INGEST_TOKEN}`));
    expect(viaUrl.body).toBe(viaRoute.body);
    expect(viaUrl.headers.authorization).toBe(viaRoute.headers.authorization);
    expect(viaUrl.requestContext.http.method).toBe(viaRoute.requestContext.http.method);
  });

  it('stores an event posted with the token', async () => {
    const answer = await route()(functionUrlEvent(connected('url-client'), `Bearer ${TEST_INGEST_TOKEN}`));
    expect(answer.statusCode).toBe(204);
    expect(await t.store.get('url-client', { consistent: true })).toMatchObject({ conn_state: 'connected', node: 'emqx@10.0.0.1' });
  });

  it('stores a batch posted as an array', async () => {
    const answer = await route()(functionUrlEvent([connected('url-batch-1'), connected('url-batch-2')], `Bearer ${TEST_INGEST_TOKEN}`));
    expect(answer.statusCode).toBe(204);
    expect(await t.store.get('url-batch-2', { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer not-the-token-0123456789abcdef'],
  ])('refuses %s with 401 and stores nothing', async (_, authorization) => {
    const answer = await route()(functionUrlEvent(connected('url-refused'), authorization));
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: expect.anything(), message: expect.any(String) });
    expect(await t.store.get('url-refused', { consistent: true })).toBeUndefined();
  });
});
