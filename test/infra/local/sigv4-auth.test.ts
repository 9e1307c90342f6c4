/** The local stack's SigV4 check: what AWS's own signer signs passes; any change to what was signed fails. */
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../infra/client/sigv4.js';
import { MAX_CLOCK_SKEW_MS, verifySigV4, type SignedRequest } from '../../../infra/local/api/sigv4-auth.js';

const KEY = { accessKeyId: 'AKIDLOCALTEST0000001', secretAccessKey: 'local/secret+key=0123456789abcdefghijklmn' };
const NOW = Date.UTC(2026, 10, 28, 10, 0, 0);

/** A request as a caller signs it for the deployed API (service execute-api). */
async function signed(options: { method?: string; path?: string; query?: Record<string, string | string[]>; body?: string; key?: typeof KEY; at?: number; region?: string; unsigned?: string[] } = {}): Promise<SignedRequest> {
  const path = options.path ?? '/api/v4/clients/a%2Fb%20c';
  const query = options.query ?? { _limit: '10', clientid: ['x', 'y'] };
  const signer = new SignatureV4({ service: 'execute-api', region: options.region ?? 'eu-west-1', credentials: options.key ?? KEY, sha256: Sha256 });
  const request = await signer.sign(
    { method: options.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path, query, headers: { host: '127.0.0.1:8080' }, body: options.body ?? '' },
    { signingDate: new Date(options.at ?? NOW), ...(options.unsigned ? { unsignableHeaders: new Set(options.unsigned) } : {}) },
  );
  const rawQueryString = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]))).toString();
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { method: request.method, rawPath: path, rawQueryString, headers, body: options.body ?? '' };
}

describe('verifySigV4', () => {
  it('accepts a request AWS\'s signer signed with the local key, in any region', async () => {
    expect(await verifySigV4(await signed(), KEY, NOW)).toBe(true);
    expect(await verifySigV4(await signed({ region: 'us-east-1', method: 'POST', path: '/clients/kickout/bulk', query: {}, body: '["a","b"]' }), KEY, NOW)).toBe(true);
  });

  it('refuses another key, a changed path, query, method or body, and a missing signed header', async () => {
    expect(await verifySigV4(await signed({ key: { ...KEY, secretAccessKey: 'another-secret' } }), KEY, NOW)).toBe(false);
    expect(await verifySigV4({ ...(await signed()), rawPath: '/api/v4/clients/a%2Fb%20d' }, KEY, NOW)).toBe(false);
    expect(await verifySigV4({ ...(await signed()), rawQueryString: '_limit=11&clientid=x&clientid=y' }, KEY, NOW)).toBe(false);
    expect(await verifySigV4({ ...(await signed()), method: 'DELETE' }, KEY, NOW)).toBe(false);
    const post = await signed({ method: 'POST', path: '/clients/kickout/bulk', query: {}, body: '["a"]' });
    expect(await verifySigV4({ ...post, body: '["b"]' }, KEY, NOW)).toBe(false);
    const { host: _host, ...noHost } = (await signed()).headers;
    expect(await verifySigV4({ ...(await signed()), headers: noHost }, KEY, NOW)).toBe(false);
    expect(await verifySigV4({ ...(await signed()), headers: { authorization: 'Basic YTpi' } }, KEY, NOW)).toBe(false);
  });

  it('refuses a signature that does not cover host, however valid (a page on another name could replay it)', async () => {
    const request = await signed({ unsigned: ['host'] });
    expect(request.headers.authorization).toMatch(/SignedHeaders=x-amz-content-sha256;x-amz-date,/);
    expect(request.headers.host).toBe('127.0.0.1:8080');
    expect(await verifySigV4(request, KEY, NOW)).toBe(false);
  });

  it('refuses a signature older or newer than the allowed clock skew', async () => {
    expect(await verifySigV4(await signed({ at: NOW - MAX_CLOCK_SKEW_MS + 1000 }), KEY, NOW)).toBe(true);
    expect(await verifySigV4(await signed({ at: NOW - MAX_CLOCK_SKEW_MS - 1000 }), KEY, NOW)).toBe(false);
    expect(await verifySigV4(await signed({ at: NOW + MAX_CLOCK_SKEW_MS + 1000 }), KEY, NOW)).toBe(false);
  });
});
