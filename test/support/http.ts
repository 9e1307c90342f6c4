/** API Gateway HTTP API (payload v2) events for calling the handler functions directly, built as the local stack builds them. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { gatewayEvent } from '../../infra/local/api/gateway-event.js';

export function httpEvent(options: {
  method: 'GET' | 'DELETE';
  routeKey: string;
  /** Percent-encoded, as on the wire. */
  rawPath: string;
  rawQueryString?: string;
  pathParameters?: Record<string, string>;
  /** Beside host and user-agent; lower-case names, as API Gateway hands them over. */
  headers?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  return gatewayEvent({
    method: options.method,
    routeKey: options.routeKey,
    rawPath: options.rawPath,
    rawQueryString: options.rawQueryString ?? '',
    headers: { host: 'localhost', 'user-agent': 'test', ...options.headers },
    protocol: 'HTTP/1.1',
    sourceIp: '127.0.0.1',
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
  });
}

export const listEvent = (rawQueryString = '') =>
  httpEvent({ method: 'GET', routeKey: 'GET /clients', rawPath: '/clients', rawQueryString });

/** Percent-encoding, except for strings no URL can carry (lone surrogates), which stay as they are. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

/** An event for one client's route; API Gateway hands the path parameter over decoded. */
function clientEvent(method: 'GET' | 'DELETE', clientid: string): APIGatewayProxyEventV2 {
  return httpEvent({
    method,
    routeKey: `${method} /clients/{clientid}`,
    rawPath: `/clients/${encodeSegment(clientid)}`,
    pathParameters: { clientid },
  });
}

export const getEvent = (clientid: string) => clientEvent('GET', clientid);
export const kickEvent = (clientid: string) => clientEvent('DELETE', clientid);
