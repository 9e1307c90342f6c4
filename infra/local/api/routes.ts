/**
 * The routes of the clients API, as API Gateway would match them: on the
 * percent-encoded path, with `{clientid}` one path segment handed over
 * URL-decoded. The same routes also answer under `/api/v4`, EMQX 4's prefix.
 */

export type Operation = 'list' | 'get' | 'kick' | 'ingestEmqx' | 'ingestAwsIot';

/** Routes brokers post their events to; they carry their own bearer token instead of the app's Basic credentials. */
export const INGEST_ROUTES: Readonly<Record<string, Operation>> = {
  '/ingest/emqx': 'ingestEmqx',
  '/ingest/aws-iot': 'ingestAwsIot',
};

export const isIngest = (operation: Operation) => operation === 'ingestEmqx' || operation === 'ingestAwsIot';

export type RouteMatch =
  | { kind: 'route'; operation: Operation; routeKey: string; pathParameters?: { clientid: string } }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: readonly string[] }
  | { kind: 'undecodable' };

export const ROUTE_PREFIXES = ['/api/v4', ''] as const;

const COLLECTION_METHODS = ['GET'] as const;
const ITEM_METHODS = ['GET', 'DELETE'] as const;

export function matchRoute(method: string, rawPath: string): RouteMatch {
  const ingest = INGEST_ROUTES[rawPath];
  if (ingest) {
    if (method !== 'POST') return { kind: 'method-not-allowed', allow: ['POST'] };
    return { kind: 'route', operation: ingest, routeKey: `POST ${rawPath}` };
  }
  for (const prefix of ROUTE_PREFIXES) {
    const collection = `${prefix}/clients`;
    if (rawPath === collection) {
      if (method !== 'GET') return { kind: 'method-not-allowed', allow: COLLECTION_METHODS };
      return { kind: 'route', operation: 'list', routeKey: `GET ${collection}` };
    }
    if (!rawPath.startsWith(`${collection}/`)) continue;
    const segment = rawPath.slice(collection.length + 1);
    if (segment === '' || segment.includes('/')) return { kind: 'not-found' };
    if (method !== 'GET' && method !== 'DELETE') return { kind: 'method-not-allowed', allow: ITEM_METHODS };
    let clientid: string;
    try {
      clientid = decodeURIComponent(segment);
    } catch {
      return { kind: 'undecodable' };
    }
    return {
      kind: 'route',
      operation: method === 'GET' ? 'get' : 'kick',
      routeKey: `${method} ${collection}/{clientid}`,
      pathParameters: { clientid },
    };
  }
  return { kind: 'not-found' };
}
