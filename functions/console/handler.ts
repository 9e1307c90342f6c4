/**
 * The console's function: answers `GET /console` with the page and
 * `GET /console/{asset}` with a built asset, gzip-compressed for clients that
 * take it, with an ETag so that a second visit revalidates the page for a
 * 304 and fetches the immutable assets not at all.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { HttpResponse } from '../http/response.js';
import { ASSET_CACHE_CONTROL, CONSOLE_CSP, PAGE_CACHE_CONTROL, type ConsoleAssets } from './assets.js';
import { CONSOLE_PAGE_PATH } from './routes.js';

export type ConsoleRequest = {
  rawPath: string;
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
};

type Prepared = { contentType: string; cacheControl: string; plain: Buffer; gzipped: Buffer; etag: string };

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function prepare(contentType: string, body: string, cacheControl: string): Prepared {
  const plain = Buffer.from(body, 'utf8');
  const etag = `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"`;
  return { contentType, cacheControl, plain, gzipped: gzipSync(plain, { level: 9 }), etag };
}

const headerOf = (headers: ConsoleRequest['headers'], name: string) =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? '';

const text = (statusCode: number, message: string, extra: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra },
  body: JSON.stringify({ code: statusCode, message }),
});

export function consoleHandler(assets: ConsoleAssets): (event: ConsoleRequest) => Promise<HttpResponse> {
  const page = prepare('text/html; charset=utf-8', assets.html, PAGE_CACHE_CONTROL);
  const files = new Map(Object.entries(assets.files).map(([name, file]) => [name, prepare(file.contentType, file.body, ASSET_CACHE_CONTROL)]));

  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return text(405, `${method} is not allowed on the console`, { allow: 'GET' });
    const path = event.rawPath.length > 1 && event.rawPath.endsWith('/') ? event.rawPath.slice(0, -1) : event.rawPath;
    const found = path === CONSOLE_PAGE_PATH ? page : files.get(path.slice(CONSOLE_PAGE_PATH.length + 1));
    if (!found) return text(404, `no console file ${path}`);
    const headers: Record<string, string> = {
      'content-type': found.contentType,
      'cache-control': found.cacheControl,
      etag: found.etag,
      vary: 'accept-encoding',
      ...SECURITY_HEADERS,
    };
    if (headerOf(event.headers, 'if-none-match') === found.etag) return { statusCode: 304, headers, body: '' };
    const gzip = /\bgzip\b/.test(headerOf(event.headers, 'accept-encoding'));
    const body = gzip ? found.gzipped : found.plain;
    return {
      statusCode: 200,
      headers: gzip ? { ...headers, 'content-encoding': 'gzip' } : headers,
      body: method === 'HEAD' ? '' : body.toString('base64'),
      isBase64Encoded: method !== 'HEAD',
    };
  };
}
