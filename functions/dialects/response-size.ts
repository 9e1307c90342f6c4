/**
 * A page too large for a Lambda response: compressed when the caller takes
 * gzip, else refused in the request's dialect, naming the limit to lower.
 */
import { gzipSync } from 'node:zlib';
import type { HttpEvent } from '../http/event.js';
import type { HttpResponse } from '../http/response.js';
import type { Dialect } from './dialect.js';

/** Lambda's synchronous response limit is 6 MB; headers and the envelope need a little of it. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024;

/** Whether Accept-Encoding (RFC 9110 §12.5.3) takes gzip: named, or `*`, with a quality above 0. */
function acceptsGzip(event: HttpEvent): boolean {
  return (event.headers?.['accept-encoding'] ?? '').split(',').some((entry) => {
    const [coding, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The response as it can leave the function: as is, gzip-compressed, or an error naming `parameter`. */
export function fitResponse(response: HttpResponse, event: HttpEvent, dialect: Dialect, parameter: string): HttpResponse {
  if (Buffer.byteLength(response.body, 'utf8') <= MAX_RESPONSE_BYTES || response.isBase64Encoded) return response;
  if (acceptsGzip(event)) {
    const body = gzipSync(response.body).toString('base64');
    if (body.length <= MAX_RESPONSE_BYTES) {
      return { ...response, body, isBase64Encoded: true, headers: { ...response.headers, 'content-encoding': 'gzip', vary: 'accept-encoding' } };
    }
  }
  return dialect.renderError({ kind: 'response-too-large', parameter, maxBytes: MAX_RESPONSE_BYTES });
}
