/**
 * The frame of the three client handlers: the route and its dialect found
 * from the request's route key, failures shown in that dialect, and a page
 * too large for a Lambda response compressed or refused (dialects/response-size.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Dialect } from '../dialects/dialect.js';
import { fitResponse } from '../dialects/response-size.js';
import { DIALECTS } from '../dialects/select.js';
import { httpHandler, type HttpEvent, type InvocationContext } from '../http/handler.js';
import { nativeFailureResponse, type HttpResponse } from '../http/response.js';
import { clientRouteOf, routeOf, type ApiRoute, type ClientHandler } from './routes.js';

/** The request body as text (API Gateway base64-encodes bodies it does not take for text). */
export function requestBody(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export type DialectRequest = { event: HttpEvent; route: ApiRoute; dialect: Dialect; deadline: number };

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
    (event, failure) => {
      const route = routeOf(event.routeKey);
      return route ? DIALECTS[route.surface].renderError(failure.reason) : nativeFailureResponse(failure.reason);
    },
  );
}
