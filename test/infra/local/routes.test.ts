import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../infra/local/api/routes.js';

describe('matchRoute', () => {
  it.each([
    ['GET', '/clients', 'list', 'GET /clients'],
    ['GET', '/api/v4/clients', 'list', 'GET /api/v4/clients'],
    ['GET', '/clients/abc', 'get', 'GET /clients/{clientid}'],
    ['DELETE', '/clients/abc', 'kick', 'DELETE /clients/{clientid}'],
    ['DELETE', '/api/v4/clients/abc', 'kick', 'DELETE /api/v4/clients/{clientid}'],
  ])('%s %s is %s with route key %s', (method, path, operation, routeKey) => {
    expect(matchRoute(method, path)).toMatchObject({ kind: 'route', operation, routeKey });
  });

  it('hands the clientid over URL-decoded once, as API Gateway does', () => {
    expect(matchRoute('GET', '/clients/a%2Fb%20c%2B%23%25').kind).toBe('route');
    expect(matchRoute('GET', '/clients/a%2Fb%20c%2B%23%25')).toMatchObject({ pathParameters: { clientid: 'a/b c+#%' } });
    expect(matchRoute('GET', '/clients/%2541')).toMatchObject({ pathParameters: { clientid: '%41' } });
    expect(matchRoute('GET', '/clients/a+b')).toMatchObject({ pathParameters: { clientid: 'a+b' } });
    expect(matchRoute('GET', '/clients/%E2%9C%93')).toMatchObject({ pathParameters: { clientid: '✓' } });
  });

  it('finds no route for other paths, a second path segment or an empty clientid', () => {
    for (const path of ['/', '/client', '/clients//', '/clients/a/b', '/api/v4', '/api/v6/clients', '/clientsx']) {
      expect(matchRoute('GET', path)).toEqual({ kind: 'not-found' });
    }
  });

  it('names the allowed methods of a known path', () => {
    expect(matchRoute('POST', '/clients')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(matchRoute('DELETE', '/clients')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(matchRoute('PUT', '/clients/a')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'DELETE'] });
  });

  it('takes broker events on POST /ingest/emqx and /ingest/aws-iot only', () => {
    expect(matchRoute('POST', '/ingest/emqx')).toEqual({ kind: 'route', operation: 'ingestEmqx', routeKey: 'POST /ingest/emqx' });
    expect(matchRoute('POST', '/ingest/aws-iot')).toEqual({ kind: 'route', operation: 'ingestAwsIot', routeKey: 'POST /ingest/aws-iot' });
    expect(matchRoute('GET', '/ingest/emqx')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(matchRoute('POST', '/ingest/hivemq')).toEqual({ kind: 'not-found' });
    expect(matchRoute('POST', '/api/v4/ingest/emqx')).toEqual({ kind: 'not-found' });
  });

  it('tells an undecodable clientid apart', () => {
    expect(matchRoute('GET', '/clients/%E0%A4%A')).toEqual({ kind: 'undecodable', parameter: 'clientid' });
  });

  it('ignores a trailing slash, as API Gateway does (EMQX 4.4 lists on GET /api/v4/clients/)', () => {
    expect(matchRoute('GET', '/api/v4/clients/')).toEqual({ kind: 'route', operation: 'list', routeKey: 'GET /api/v4/clients' });
  });

  it('prefers literal segments to variables, and hands over every path variable', () => {
    expect(matchRoute('GET', '/api/v4/clients/username/bob%20b')).toEqual({
      kind: 'route',
      operation: 'get',
      routeKey: 'GET /api/v4/clients/username/{username}',
      pathParameters: { username: 'bob b' },
    });
    expect(matchRoute('GET', '/api/v4/nodes/emqx%40127.0.0.1/clients/a%2Fb')).toEqual({
      kind: 'route',
      operation: 'get',
      routeKey: 'GET /api/v4/nodes/{node}/clients/{clientid}',
      pathParameters: { node: 'emqx@127.0.0.1', clientid: 'a/b' },
    });
    expect(matchRoute('POST', '/api/v5/clients/kickout/bulk')).toMatchObject({ operation: 'kick', routeKey: 'POST /api/v5/clients/kickout/bulk' });
    expect(matchRoute('GET', '/clients/kickout/bulk')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(matchRoute('GET', '/clients/kickout')).toMatchObject({ operation: 'get', pathParameters: { clientid: 'kickout' } });
  });
});
