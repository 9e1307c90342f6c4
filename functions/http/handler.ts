/**
 * The frame every HTTP handler runs in: the API Gateway v2 event checked
 * against its schema, one log line per request, and every failure turned into
 * a `{code, message}` response (unexpected ones logged, never shown).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import type { z } from 'zod';
import { InternalError, toApiError, type ApiError } from './errors.js';
import { errorResponse, type HttpResponse } from './response.js';

export type HttpEvent = z.infer<typeof APIGatewayProxyEventV2Schema>;

export function httpHandler(
  logger: Logger,
  operation: (event: HttpEvent) => Promise<HttpResponse>,
  metrics?: Metrics,
  /** How this request's surface shows an error; the native `{code, message}` with its status by default. */
  renderError: (event: HttpEvent, error: ApiError) => HttpResponse = (_, error) => errorResponse(error),
): (event: unknown) => Promise<HttpResponse> {
  return async (raw) => {
    const response = await handle(raw);
    if (metrics) {
      const kind = response.statusCode >= 500 ? 'ServerError' : response.statusCode >= 400 ? 'ClientError' : 'Success';
      metrics.addMetric(kind, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    return response;
  };

  async function handle(raw: unknown): Promise<HttpResponse> {
    const parsed = APIGatewayProxyEventV2Schema.safeParse(raw);
    if (!parsed.success) {
      logger.error('event is not an API Gateway v2 request', { issues: parsed.error.issues.slice(0, 5) });
      return errorResponse(new InternalError());
    }
    try {
      const response = await operation(parsed.data);
      logger.info('request', { route: parsed.data.routeKey, status: response.statusCode });
      return response;
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) logger.error('request failed', { route: parsed.data.routeKey, error: error as Error });
      else logger.info('request rejected', { route: parsed.data.routeKey, status: apiError.status, code: apiError.code });
      return renderError(parsed.data, apiError);
    }
  }
}
