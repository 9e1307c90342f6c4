/**
 * Routing of the stand-in's paths as cowboy's router does it
 * (`cowboy_router:split_path/1`): split on `/`, each segment percent-decoded
 * (`cow_uri:urldecode/1`; a bad escape is 400), then `.` and `..` segments
 * resolved, so `/api/v5/clients/%2E` is the list and no client id `.` or `..`
 * can be named in a path.
 */
import { withoutDotSegments } from '../request-target.js';

/** A call on one client beside list, lookup and kick (`client-actions.ts`). */
export type ClientAction = 'acl_cache' | 'subscribe' | 'unsubscribe';

/** `cursor`: EMQX 5's cursor-paged list, `/api/v5/clients_v2`; `action`: a client action, its client in the path (5.x) or the body (4.4's `/mqtt/…`). */
export type Route = { dialect: 'v5' | 'v4'; clientid: string | undefined; cursor?: true; action?: ClientAction };

export function routeOf(rawPath: string): Route | 'malformed' | undefined {
  const segments = cowboySegments(rawPath);
  if (segments === undefined) return 'malformed';
  const [api, version, clients, clientid, ...rest] = segments;
  if (api === 'api' && version === 'v5' && clients === 'clients_v2' && (clientid ?? '') === '' && rest.length === 0) {
    return { dialect: 'v5', clientid: undefined, cursor: true };
  }
  // emqx_mgmt_api_pubsub.erl (4.4): POST /mqtt/subscribe and /mqtt/unsubscribe, the client in the body.
  if (api === 'api' && version === 'v4' && clients === 'mqtt' && (clientid === 'subscribe' || clientid === 'unsubscribe') && rest.length === 0) {
    return { dialect: 'v4', clientid: undefined, action: clientid };
  }
  // 4.4: /clients/{id}/acl_cache; 5.8: /clients/{id}/authorization/cache, /subscribe, /unsubscribe.
  const action = clientid ? clientActionOf(version, rest) : undefined;
  if (api === 'api' && clients === 'clients' && action) return { dialect: version as 'v5' | 'v4', clientid, action };
  if (api !== 'api' || (version !== 'v5' && version !== 'v4') || clients !== 'clients' || rest.length > 0) return undefined;
  // A trailing slash (an empty last segment) is the list, as the stand-in has always taken it.
  return { dialect: version, clientid: clientid === '' ? undefined : clientid };
}

/** The decoded segments after dot-segment removal; undefined for a bad escape. */
function cowboySegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  try {
    return withoutDotSegments(rawPath.slice(1).split('/').map((segment) => decodeURIComponent(segment)));
  } catch {
    return undefined;
  }
}

function clientActionOf(version: string | undefined, rest: string[]): ClientAction | undefined {
  const path = rest.join('/');
  if (version === 'v4' && path === 'acl_cache') return 'acl_cache';
  if (version === 'v5' && path === 'authorization/cache') return 'acl_cache';
  if (version === 'v5' && (path === 'subscribe' || path === 'unsubscribe')) return path;
  return undefined;
}
