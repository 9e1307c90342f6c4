/**
 * The frame every HTTP handler runs in: the API Gateway v2 event checked
 * against its schema, one log line per request, every failure turned into
 * a response (unexpected ones logged, never shown): an ApiError as it is, a
 * domain Failure in the request's dialect (native `{code, message}` unless
 * told otherwise), and an answer before the function's own time limit
 * whatever its calls do.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { failure, type Failure } from '../failures.js';
import { ApiError, toApiError, toKnownError } from './errors.js';
import { HttpApiEventSchema, type HttpEvent } from './event.js';
import { errorResponse, nativeFailureResponse, type HttpResponse } from './response.js';

export type { HttpEvent };

/** What Lambda hands a handler beside the event (only the part used here). */
export type InvocationContext = { getRemainingTimeInMillis?: () => number };

/** The request's deadline (epoch ms): work not begun by then is not begun at all. */
export type RequestScope = { deadline: number };

/** Time kept back from the function's limit to answer in. */
export const ANSWER_MARGIN_MS = 1_000;
/** The time a request has when no Lambda context tells (the local stack): the API functions' 10 s limit. */
export const DEFAULT_REQUEST_BUDGET_MS = 10_000;

export function requestDeadline(context: InvocationContext | undefined, now = Date.now()): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REQUEST_BUDGET_MS;
  return now + Math.max(remaining - ANSWER_MARGIN_MS, 0);
}

/** The operation's answer, or the deadline-exceeded failure at the deadline. */
async function withinDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure('deadline-exceeded')), Math.max(deadline - Date.now(), 0));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export function httpHandler(
  logger: Logger,
  operation: (event: HttpEvent, scope: RequestScope) => Promise<HttpResponse>,
  metrics?: Metrics,
  /** How this request's surface shows a domain failure; the native `{code, message}` with its status by default. */
  renderFailure: (event: HttpEvent, failure: Failure) => HttpResponse = (_, known) => nativeFailureResponse(known.reason),
): (event: unknown, context?: InvocationContext) => Promise<HttpResponse> {
  return async (raw, context) => {
    const response = await handle(raw, requestDeadline(context));
    if (metrics) {
      const kind = response.statusCode >= 500 ? 'ServerError' : response.statusCode >= 400 ? 'ClientError' : 'Success';
      metrics.addMetric(kind, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    return response;
  };

  async function handle(raw: unknown, deadline: number): Promise<HttpResponse> {
    const parsed = HttpApiEventSchema.safeParse(raw);
    if (!parsed.success) {
      logger.error('event is not an API Gateway v2 request', { issues: parsed.error.issues.slice(0, 5) });
      return nativeFailureResponse({ kind: 'internal' });
    }
    try {
      const response = await withinDeadline(operation(parsed.data, { deadline }), deadline);
      logger.info('request', { route: parsed.data.routeKey, status: response.statusCode });
      return response;
    } catch (error) {
      const known = toKnownError(error);
      // Logged in native terms, whatever the surface shows.
      const apiError = toApiError(known);
      if (apiError.status >= 500) logger.error('request failed', { route: parsed.data.routeKey, error: error as Error });
      else logger.info('request rejected', { route: parsed.data.routeKey, status: apiError.status, code: apiError.code });
      return known instanceof ApiError ? errorResponse(known) : renderFailure(parsed.data, known);
    }
  }
}
