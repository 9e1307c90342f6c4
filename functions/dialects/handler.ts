/**
 * The frame of the three client handlers: the route and its dialect found
 * from the request's route key, failures shown in that dialect, and a page
 * too large for a Lambda response either compressed (when the caller takes
 * gzip) or refused with a clear error.
 */
import { gzipSync } from 'node:zlib';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { clientRouteOf, routeOf, type ApiRoute, type ClientHandler } from '../api/routes.js';
import { ApiError } from '../http/errors.js';
import { httpHandler, type HttpEvent, type InvocationContext } from '../http/handler.js';
import { errorResponse, type HttpResponse } from '../http/response.js';
import type { Dialect } from './dialect.js';
import { DIALECTS } from './select.js';

/** Lambda's synchronous response limit is 6 MB; headers and the envelope need a little of it. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024;

export class ResponseTooLargeError extends ApiError {
  constructor(parameter: string) {
    super(
      400,
      108,
      `invalid parameter ${parameter}: the answer is over the ${MAX_RESPONSE_BYTES} bytes a response may hold; ask for fewer rows, or send Accept-Encoding: gzip`,
    );
  }
}

/** The request body as text (API Gateway base64-encodes bodies it does not take for text). */
export function requestBody(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export type DialectRequest = { event: HttpEvent; route: ApiRoute; dialect: Dialect; deadline: number };

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
  return dialect.renderError(new ResponseTooLargeError(parameter));
}

export function dialectHandler(
  handler: ClientHandler,
  logger: Logger,
  metrics: Metrics,
  operation: (request: DialectRequest) => Promise<HttpResponse>,
): (event: unknown, context?: InvocationContext) => Promise<HttpResponse> {
  return httpHandler(
    logger,
    async (event, { deadline }) => {
      const route = clientRouteOf(event.routeKey, handler);
      const dialect = DIALECTS[route.surface];
      return fitResponse(await operation({ event, route, dialect, deadline }), event, dialect, route.surface === 'emqx5' ? 'limit' : '_limit');
    },
    metrics,
    (event, error) => {
      const route = routeOf(event.routeKey);
      return route ? DIALECTS[route.surface].renderError(error) : errorResponse(error);
    },
  );
}
