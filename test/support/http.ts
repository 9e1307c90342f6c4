/** API Gateway HTTP API (payload v2) events for calling the handler functions directly. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export function httpEvent(options: {
  method: 'GET' | 'DELETE';
  routeKey: string;
  rawPath: string;
  rawQueryString?: string;
  pathParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const query = options.rawQueryString ?? '';
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
  }
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.rawPath,
    rawQueryString: query,
    headers: { host: 'localhost' },
    ...(query ? { queryStringParameters } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: options.method, path: options.rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req',
      routeKey: options.routeKey,
      stage: '$default',
      time: '26/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
  };
}

export const listEvent = (rawQueryString = '') =>
  httpEvent({ method: 'GET', routeKey: 'GET /clients', rawPath: '/clients', rawQueryString });

export const getEvent = (clientid: string) =>
  httpEvent({
    method: 'GET',
    routeKey: 'GET /clients/{clientid}',
    rawPath: `/clients/${clientid}`,
    pathParameters: { clientid },
  });

export const kickEvent = (clientid: string) =>
  httpEvent({
    method: 'DELETE',
    routeKey: 'DELETE /clients/{clientid}',
    rawPath: `/clients/${clientid}`,
    pathParameters: { clientid },
  });
