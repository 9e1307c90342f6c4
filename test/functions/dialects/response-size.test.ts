/** Pages too large for a Lambda response: compressed when the caller takes gzip, else a clear error in the surface's dialect. */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fitResponse, MAX_RESPONSE_BYTES } from '../../../functions/dialects/response-size.js';
import { EMQX4_DIALECT } from '../../../functions/dialects/emqx4/index.js';
import { NATIVE_DIALECT } from '../../../functions/dialects/native.js';
import type { HttpEvent } from '../../../functions/http/handler.js';
import { jsonResponse } from '../../../functions/http/response.js';
import { httpEvent } from '../../support/http.js';

/** A page of `rows` client-sized objects, each different, as a 10000-row EMQX 4 page would be. */
function page(rows: number) {
  const data = Array.from({ length: rows }, (_, i) => ({ clientid: `device-${i}`, node: 'emqx@10.0.0.1', padding: 'x'.repeat(1200), n: i }));
  return jsonResponse(200, { code: 0, data, meta: { page: 1, limit: rows, hasnext: false, count: rows } });
}

function event(acceptEncoding?: string): HttpEvent {
  const e = httpEvent({ method: 'GET', routeKey: 'GET /api/v4/clients', rawPath: '/api/v4/clients' });
  if (acceptEncoding !== undefined) e.headers['accept-encoding'] = acceptEncoding;
  return e as HttpEvent;
}

describe('fitResponse', () => {
  const big = page(10_000);

  it('passes a response within the limit as it is', () => {
    const small = page(10);
    expect(fitResponse(small, event('gzip'), EMQX4_DIALECT, '_limit')).toBe(small);
  });

  it('compresses a page over the limit when the caller accepts gzip, losslessly', () => {
    expect(Buffer.byteLength(big.body)).toBeGreaterThan(MAX_RESPONSE_BYTES);
    for (const accepts of ['gzip', 'br;q=1.0, gzip;q=0.8', '*', 'deflate, GZIP']) {
      const fitted = fitResponse(big, event(accepts), EMQX4_DIALECT, '_limit');
      expect(fitted.isBase64Encoded, accepts).toBe(true);
      expect(fitted.headers).toMatchObject({ 'content-encoding': 'gzip', 'content-type': 'application/json' });
      expect(fitted.body.length).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      expect(gunzipSync(Buffer.from(fitted.body, 'base64')).toString('utf8')).toBe(big.body);
    }
  });

  it('refuses it otherwise with code 108 naming the limit parameter: HTTP 200 on /api/v4, 400 natively', () => {
    for (const accepts of [undefined, 'identity', 'gzip;q=0', 'br']) {
      const v4 = fitResponse(big, event(accepts), EMQX4_DIALECT, '_limit');
      expect(v4.statusCode, String(accepts)).toBe(200);
      expect(JSON.parse(v4.body)).toMatchObject({ code: 108, message: expect.stringContaining('_limit') });
    }
    const native = fitResponse(big, event(), NATIVE_DIALECT, '_limit');
    expect(native.statusCode).toBe(400);
    expect(JSON.parse(native.body)).toMatchObject({ code: 108, message: expect.stringContaining('Accept-Encoding: gzip') });
  });
});
