/**
 * An HTTP request as API Gateway HTTP APIs hand it to a function (payload
 * format 2.0): path URL-decoded, query string raw and parsed, headers in
 * lower case with repeats joined by commas, cookies apart, and the app
 * authorizer's context when it ran.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export type GatewayRequest = {
  method: string;
  /** The percent-encoded path, without the query string. */
  rawPath: string;
  rawQueryString: string;
  headers: IncomingHttpHeaders;
  /** e.g. `HTTP/1.1`. */
  protocol: string;
  sourceIp: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  body?: string;
  now?: number;
  /** The app authorizer's context, handed over at `requestContext.authorizer.lambda` as API Gateway does. */
  authorizerContext?: Record<string, string>;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `26/Nov/2026:12:00:00 +0000`, API Gateway's `requestContext.time`. */
export function gatewayTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function decodedPath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

export function gatewayEvent(request: GatewayRequest): APIGatewayProxyEventV2 {
  const now = request.now ?? Date.now();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(',') : value;
    if (name === 'cookie') cookies = joined.split(';').map((c) => c.trim()).filter(Boolean);
    else headers[name] = joined;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.rawQueryString)) {
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  const host = headers.host ?? 'localhost';
  const path = decodedPath(request.rawPath);
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    ...(request.body !== undefined && request.body !== '' ? { body: request.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      ...(request.authorizerContext ? { authorizer: { lambda: request.authorizerContext } } : {}),
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: '$default',
      time: gatewayTime(now),
      timeEpoch: now,
    },
  };
}
