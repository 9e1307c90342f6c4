/** JSON responses in the API Gateway HTTP API (payload v2) shape. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FailureReason } from '../failures.js';
import { nativeError, type ApiError } from './errors.js';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: ApiError): HttpResponse {
  return jsonResponse(error.status, { code: error.code, message: error.message }, error.headers);
}

/** A domain failure as the native surface answers it. */
export const nativeFailureResponse = (reason: FailureReason): HttpResponse => errorResponse(nativeError(reason));
