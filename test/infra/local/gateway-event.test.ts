import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import { describe, expect, it } from 'vitest';
import { gatewayEvent, gatewayTime } from '../../../infra/local/api/gateway-event.js';

describe('gatewayEvent', () => {
  const event = gatewayEvent({
    method: 'GET',
    rawPath: '/clients/a%2Fb%20c',
    rawQueryString: 'clientid=a&clientid=b%2Cc&_limit=5',
    headers: { host: '127.0.0.1:8080', 'user-agent': 'curl/8', cookie: 'a=1; b=2', 'x-many': ['1', '2'] },
    protocol: 'HTTP/1.1',
    sourceIp: '127.0.0.1',
    routeKey: 'GET /clients/{clientid}',
    pathParameters: { clientid: 'a/b c' },
    now: Date.UTC(2026, 10, 26, 9, 5, 3),
  });

  it('is a complete API Gateway v2 event', () => {
    expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
  });

  it('carries the path decoded, the query string raw and parsed, headers and cookies as API Gateway does', () => {
    expect(event.rawPath).toBe('/clients/a/b c');
    expect(event.requestContext.http.path).toBe('/clients/a/b c');
    expect(event.rawQueryString).toBe('clientid=a&clientid=b%2Cc&_limit=5');
    expect(event.queryStringParameters).toEqual({ clientid: 'a,b,c', _limit: '5' });
    expect(event.pathParameters).toEqual({ clientid: 'a/b c' });
    expect(event.headers).toEqual({ host: '127.0.0.1:8080', 'user-agent': 'curl/8', 'x-many': '1,2' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.requestContext).toMatchObject({
      routeKey: 'GET /clients/{clientid}',
      stage: '$default',
      time: '26/Nov/2026:09:05:03 +0000',
      timeEpoch: Date.UTC(2026, 10, 26, 9, 5, 3),
      http: { method: 'GET', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8' },
    });
  });

  it('leaves out the query parameters and body when there are none', () => {
    const bare = gatewayEvent({ method: 'GET', rawPath: '/clients', rawQueryString: '', headers: {}, protocol: 'HTTP/1.1', sourceIp: '::1', routeKey: 'GET /clients' });

    expect(bare).not.toHaveProperty('queryStringParameters');
    expect(bare).not.toHaveProperty('body');
    expect(bare).not.toHaveProperty('pathParameters');
    expect(APIGatewayProxyEventV2Schema.safeParse(bare).success).toBe(true);
  });

  it("hands over the app authorizer's context where API Gateway puts it, and none when no authorizer ran", () => {
    const base = { method: 'GET', rawPath: '/api/v5/clients', rawQueryString: '', headers: {}, protocol: 'HTTP/1.1', sourceIp: '::1', routeKey: 'GET /api/v5/clients' };
    const authorized = gatewayEvent({ ...base, authorizerContext: { app_id: '0123456789ab', role: 'viewer' } });
    expect(authorized.requestContext).toMatchObject({ authorizer: { lambda: { app_id: '0123456789ab', role: 'viewer' } } });
    expect(APIGatewayProxyEventV2Schema.safeParse(authorized).success).toBe(true);
    expect(gatewayEvent(base).requestContext).not.toHaveProperty('authorizer');
  });

  it('formats the request time as API Gateway does', () => {
    expect(gatewayTime(Date.UTC(2027, 0, 2, 23, 59, 59))).toBe('02/Jan/2027:23:59:59 +0000');
  });
});
