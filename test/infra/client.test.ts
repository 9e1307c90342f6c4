/**
 * The client's pieces on their own: SigV4 signatures against AWS's SigV4
 * test suite, the typed filters as a query string, and what each answer of
 * the API becomes (values for kicks, an error for a refusal).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_BULK_KICK } from '../../functions/clients/bulk-kick.js';
import { MAX_LIMIT } from '../../functions/clients/query-params.js';
import { ApiCallError, BULK_KICK_BATCH, ClientsApi, MAX_PAGE_SIZE } from '../../infra/client/clients-api.js';
import { filterQuery, queryString } from '../../infra/client/query.js';
import { regionOfUrl, sigV4Signer } from '../../infra/client/sigv4.js';

// AWS's SigV4 test suite (aws-sig-v4-test-suite): its example key, region, service and date.
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  date: new Date('2015-08-30T12:36:00Z'),
};
const suiteAuthorization = (signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`;

describe('SigV4 signing', () => {
  // The suite signs no payload-hash header.
  const sign = sigV4Signer({ region: SUITE.region, service: SUITE.service, credentials: SUITE.credentials, applyChecksum: false });
  const request = (method: string, query: Record<string, string> = {}) => ({
    method,
    url: new URL('https://example.amazonaws.com/'),
    path: '/',
    query,
    headers: {},
    signingDate: SUITE.date,
  });

  it('signs get-vanilla as the suite does', async () => {
    const headers = await sign(request('GET'));
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(suiteAuthorization('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'));
    expect(headers.host).toBeUndefined();
  });

  it('signs get-vanilla-query-order-key-case and post-vanilla as the suite does', async () => {
    const query = await sign(request('GET', { Param2: 'value2', Param1: 'value1' }));
    expect(query.authorization).toBe(suiteAuthorization('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'));
    const post = await sign(request('POST'));
    expect(post.authorization).toBe(suiteAuthorization('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'));
  });

  it('signs for execute-api unless told, with a session token when the credentials have one', async () => {
    const signer = sigV4Signer({ region: 'eu-west-1', credentials: { ...SUITE.credentials, sessionToken: 'token-1' } });
    const headers = await signer(request('GET'));
    expect(headers.authorization).toContain('/eu-west-1/execute-api/aws4_request');
    expect(headers['x-amz-security-token']).toBe('token-1');
  });

  it('takes the region from an execute-api URL', () => {
    expect(regionOfUrl('https://abc123.execute-api.ap-southeast-2.amazonaws.com/')).toBe('ap-southeast-2');
    expect(regionOfUrl('http://127.0.0.1:8080')).toBeUndefined();
  });
});

describe('filters as a query string', () => {
  it('spells each typed filter as the API reads it', () => {
    const query = filterQuery({
      clientid: ['a/b', 'c d'],
      username: 'u',
      conn_state: 'connected',
      clean_start: false,
      proto_ver: 5,
      _gte_created_at: new Date('2026-11-01T00:00:00Z'),
      _lte_created_at: 1_790_000_000_000,
      _gte_connected_at: 5_000,
      fields: ['clientid', 'connected'],
    });
    expect(query).toEqual({
      clientid: ['a/b', 'c d'],
      username: 'u',
      conn_state: 'connected',
      clean_start: 'false',
      proto_ver: '5',
      _gte_created_at: String(Date.UTC(2026, 10, 1)),
      _lte_created_at: '1790000000000',
      // Below 10^11 the API reads seconds: a millisecond instant that small goes as RFC 3339.
      _gte_connected_at: '1970-01-01T00:00:05.000Z',
      fields: 'clientid,connected',
    });
  });

  it('encodes as RFC 3986, repeating a parameter for several values', () => {
    expect(queryString({ clientid: ['a/b', "c d*'"], _like_clientid: '50%+' })).toBe('clientid=a%2Fb&clientid=c%20d%2A%27&_like_clientid=50%25%2B');
  });

  it('keeps to the API limits', () => {
    expect(BULK_KICK_BATCH).toBe(MAX_BULK_KICK);
    expect(MAX_PAGE_SIZE).toBe(MAX_LIMIT);
  });
});

/** A fetch answering from a table of `METHOD path?query` → [status, body], recording each request. */
function fakeFetch(answers: Record<string, [number, unknown?]>) {
  const requests: { key: string; headers: Record<string, string>; body?: string }[] = [];
  const fetcher = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const key = `${init?.method ?? 'GET'} ${url.pathname}${url.search}`;
    requests.push({ key, headers: init?.headers as Record<string, string>, ...(init?.body ? { body: String(init.body) } : {}) });
    const [status, body] = answers[key] ?? [599, { message: `unexpected ${key}` }];
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetcher, requests };
}

describe('ClientsApi answers', () => {
  const auth = { basic: { id: 'app', secret: 's:e' } };

  it('follows meta.cursor page by page, and the page number when an API gives no cursor', async () => {
    const row = (clientid: string) => ({ clientid });
    const { fetcher, requests } = fakeFetch({
      'GET /clients?conn_state=idle&_limit=2': [200, { code: 0, data: [row('a'), row('b')], meta: { page: 1, limit: 2, hasnext: true, count: -1, cursor: 'c1' } }],
      'GET /clients?conn_state=idle&_limit=2&_cursor=c1': [200, { code: 0, data: [row('c'), row('d')], meta: { page: 2, limit: 2, hasnext: true, count: -1 } }],
      'GET /clients?conn_state=idle&_limit=2&_page=3': [200, { code: 0, data: [row('e')], meta: { page: 3, limit: 2, hasnext: false, count: -1 } }],
    });
    const api = new ClientsApi({ url: 'http://api.test', auth, fetch: fetcher });
    const ids: string[] = [];
    for await (const client of api.list({ conn_state: 'idle' }, { pageSize: 2 })) ids.push(client.clientid!);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(requests).toHaveLength(3);
    expect(requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('app:s:e').toString('base64')}`);
  });

  it('answers kicks as values, 200, 202 and 404, and refusals as ApiCallError', async () => {
    const { fetcher, requests } = fakeFetch({
      'DELETE /clients/done': [200, { code: 0 }],
      'DELETE /clients/slow': [202, { code: 0, message: 'kick pending' }],
      'DELETE /clients/gone': [404, { code: 112, message: 'Client not found' }],
      'DELETE /clients/a%2Fb%20c': [200, { code: 0 }],
      'DELETE /clients/busy': [503, { code: 101, message: 'the broker is unavailable, retry later' }],
      'GET /clients/gone': [200, { code: 0, data: [] }],
      'GET /clients/gone/subscriptions': [404, { code: 112, message: 'Client not found' }],
      'GET /nodes': [403, { message: 'Forbidden' }],
    });
    const api = new ClientsApi({ url: 'http://api.test/', auth, fetch: fetcher });
    expect(await api.kick('done')).toEqual({ status: 200, outcome: 'kicked' });
    expect(await api.kick('slow')).toEqual({ status: 202, outcome: 'pending' });
    expect(await api.kick('gone')).toEqual({ status: 404, outcome: 'not-found' });
    expect(await api.kick('a/b c')).toEqual({ status: 200, outcome: 'kicked' });
    expect(requests.at(-1)!.key).toBe('DELETE /clients/a%2Fb%20c');
    await expect(api.kick('busy')).rejects.toMatchObject({ name: 'ApiCallError', status: 503, code: 101 });
    expect(await api.get('gone')).toBeUndefined();
    expect(await api.subscriptions('gone')).toBeUndefined();
    const refused = await api.nodes().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiCallError);
    expect(refused).toMatchObject({ status: 403, code: undefined, message: 'HTTP 403: Forbidden' });
  });

  it('sends a bulk kick in requests of at most 100 clientids, outcomes in order', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `c${i}`);
    const bodies: string[] = [];
    const fetcher = (async (_input: URL | string, init?: RequestInit) => {
      const batch = JSON.parse(String(init?.body)) as string[];
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ code: 0, data: batch.map((clientid) => ({ clientid, outcome: 'not-found' })) }), { status: 200 });
    }) as typeof fetch;
    const results = await new ClientsApi({ url: 'http://api.test', auth, fetch: fetcher }).kickMany(ids);
    expect(bodies.map((b) => JSON.parse(b).length)).toEqual([100, 50]);
    expect(results.map((r) => r.clientid)).toEqual(ids);
  });

  it('signs with SigV4 what it sends: the same path, query and body', async () => {
    const { fetcher, requests } = fakeFetch({ 'POST /prod/clients/kickout/bulk': [200, { code: 0, data: [] }] });
    const api = new ClientsApi({
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      auth: { sigv4: { region: 'eu-west-1', credentials: SUITE.credentials } },
      fetch: fetcher,
    });
    await api.kickMany(['x']);
    const { headers, body } = requests[0]!;
    expect(body).toBe('["x"]');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update('["x"]').digest('hex'));
  });
});
