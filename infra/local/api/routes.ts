/**
 * Matching a request to a route of the API, as API Gateway HTTP APIs do: on
 * the percent-encoded path, each `{name}` one non-empty path segment handed
 * over URL-decoded, literal segments before variables, and a trailing slash
 * ignored (`/api/v4/clients/` is `/api/v4/clients`).
 */
import { API_ROUTES, routeKeyOf, type ClientHandler } from '../../../functions/api/routes.js';

export type Operation = ClientHandler | 'ingestEmqx' | 'ingestAwsIot';

/** Routes brokers post their events to; they carry their own bearer token instead of the app's credentials. */
export const INGEST_ROUTES: Readonly<Record<string, Operation>> = {
  '/ingest/emqx': 'ingestEmqx',
  '/ingest/aws-iot': 'ingestAwsIot',
};

export const isIngest = (operation: Operation) => operation === 'ingestEmqx' || operation === 'ingestAwsIot';

export type RouteMatch =
  | { kind: 'route'; operation: Operation; routeKey: string; pathParameters?: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: readonly string[] }
  | { kind: 'undecodable'; parameter: string };

type Template = { segments: string[]; operation: Operation; method: string; routeKey: string };

const TEMPLATES: Template[] = [
  ...API_ROUTES.map((r) => ({ segments: r.path.split('/').slice(1), operation: r.handler, method: r.method, routeKey: routeKeyOf(r) })),
  ...Object.entries(INGEST_ROUTES).map(([path, operation]) => ({
    segments: path.split('/').slice(1),
    operation,
    method: 'POST',
    routeKey: `POST ${path}`,
  })),
];

const variableOf = (segment: string) => (segment.startsWith('{') && segment.endsWith('}') ? segment.slice(1, -1) : undefined);

/** How specific a template is for these segments (literal matches count first, left to right), or undefined if it does not fit. */
function fit(template: Template, segments: string[]): string | undefined {
  if (template.segments.length !== segments.length) return undefined;
  let rank = '';
  for (const [i, part] of template.segments.entries()) {
    if (variableOf(part) !== undefined) {
      if (segments[i] === '') return undefined;
      rank += '0';
    } else if (part === segments[i]) {
      rank += '1';
    } else {
      return undefined;
    }
  }
  return rank;
}

export function matchRoute(method: string, rawPath: string): RouteMatch {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const segments = path.split('/').slice(1);
  const fitting = TEMPLATES.map((t) => ({ t, rank: fit(t, segments) })).filter((f) => f.rank !== undefined);
  if (fitting.length === 0) return { kind: 'not-found' };
  const best = (candidates: typeof fitting) => candidates.sort((a, b) => (a.rank! < b.rank! ? 1 : a.rank! > b.rank! ? -1 : 0))[0];
  const chosen = best(fitting.filter((f) => f.t.method === method));
  if (!chosen) {
    // The methods of the most specific path that fits, as API Gateway would allow them.
    const top = best([...fitting])!.rank;
    return { kind: 'method-not-allowed', allow: [...new Set(fitting.filter((f) => f.rank === top).map((f) => f.t.method))] };
  }
  const pathParameters: Record<string, string> = {};
  for (const [i, part] of chosen.t.segments.entries()) {
    const name = variableOf(part);
    if (name === undefined) continue;
    try {
      pathParameters[name] = decodeURIComponent(segments[i]!);
    } catch {
      return { kind: 'undecodable', parameter: name };
    }
  }
  return {
    kind: 'route',
    operation: chosen.t.operation,
    routeKey: chosen.t.routeKey,
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
  };
}
