/**
 * Every route of the clients API, on every surface: the one table the CDK
 * stack and the local server build their routes from, and the handlers read
 * to know which dialect and action a request is.
 *
 * Three request handlers serve them all (list, get, kick); a surface is an
 * API dialect (native REST, EMQX 4.4's `/api/v4`, EMQX 5's `/api/v5`).
 */
import type { Action, Surface } from '../dialects/surfaces.js';

export { SURFACES, type Action, type Surface } from '../dialects/surfaces.js';

export type ClientHandler = 'list' | 'get' | 'kick';

export type HttpMethod = 'GET' | 'DELETE' | 'POST';

export type ApiRoute = {
  method: HttpMethod;
  /** API Gateway's path template: `{name}` is one URL-decoded path segment. */
  path: string;
  handler: ClientHandler;
  surface: Surface;
  action: Action;
};

const HANDLER_OF: Record<Action, ClientHandler> = {
  listClients: 'list',
  listClientsByCursor: 'list',
  listNodes: 'list',
  getNode: 'list',
  getClient: 'get',
  getClientsByUsername: 'get',
  getSubscriptions: 'get',
  kickClient: 'kick',
  kickClients: 'kick',
  // Calls on a client through the broker's own API: the function that holds the broker channel.
  listAclCache: 'kick',
  cleanAclCache: 'kick',
  subscribe: 'kick',
  unsubscribe: 'kick',
  openapiDocument: 'list',
};

const route = (surface: Surface, method: HttpMethod, path: string, action: Action): ApiRoute => ({
  method,
  path,
  handler: HANDLER_OF[action],
  surface,
  action,
});

export const API_ROUTES: readonly ApiRoute[] = [
  route('native', 'GET', '/clients', 'listClients'),
  route('native', 'GET', '/clients/{clientid}', 'getClient'),
  route('native', 'DELETE', '/clients/{clientid}', 'kickClient'),
  route('native', 'GET', '/clients/{clientid}/subscriptions', 'getSubscriptions'),
  route('native', 'POST', '/clients/kickout/bulk', 'kickClients'),
  route('native', 'GET', '/nodes', 'listNodes'),
  // The OpenAPI 3.1 document of every route here (functions/api/openapi.ts).
  route('native', 'GET', '/openapi.json', 'openapiDocument'),

  // EMQX 4.4: emqx_mgmt_api_clients.erl, emqx_mgmt_api_subscriptions.erl, emqx_mgmt_api_nodes.erl.
  route('emqx4', 'GET', '/api/v4/clients', 'listClients'),
  route('emqx4', 'GET', '/api/v4/clients/{clientid}', 'getClient'),
  route('emqx4', 'DELETE', '/api/v4/clients/{clientid}', 'kickClient'),
  route('emqx4', 'GET', '/api/v4/clients/username/{username}', 'getClientsByUsername'),
  route('emqx4', 'GET', '/api/v4/nodes', 'listNodes'),
  route('emqx4', 'GET', '/api/v4/nodes/{node}/clients', 'listClients'),
  route('emqx4', 'GET', '/api/v4/nodes/{node}/clients/{clientid}', 'getClient'),
  route('emqx4', 'GET', '/api/v4/nodes/{node}/clients/username/{username}', 'getClientsByUsername'),
  route('emqx4', 'GET', '/api/v4/subscriptions/{clientid}', 'getSubscriptions'),
  route('emqx4', 'GET', '/api/v4/nodes/{node}/subscriptions/{clientid}', 'getSubscriptions'),
  // The dashboard's Clients page: emqx_mgmt_api_clients.erl:88-98 (ACL cache), emqx_mgmt_api_pubsub.erl:25-41.
  route('emqx4', 'GET', '/api/v4/clients/{clientid}/acl_cache', 'listAclCache'),
  route('emqx4', 'DELETE', '/api/v4/clients/{clientid}/acl_cache', 'cleanAclCache'),
  route('emqx4', 'POST', '/api/v4/mqtt/subscribe', 'subscribe'),
  route('emqx4', 'POST', '/api/v4/mqtt/unsubscribe', 'unsubscribe'),

  // EMQX 5.8: emqx_mgmt_api_clients.erl, emqx_mgmt_api_nodes.erl.
  route('emqx5', 'GET', '/api/v5/clients', 'listClients'),
  route('emqx5', 'GET', '/api/v5/clients_v2', 'listClientsByCursor'),
  route('emqx5', 'GET', '/api/v5/clients/{clientid}', 'getClient'),
  route('emqx5', 'DELETE', '/api/v5/clients/{clientid}', 'kickClient'),
  route('emqx5', 'GET', '/api/v5/clients/{clientid}/subscriptions', 'getSubscriptions'),
  route('emqx5', 'POST', '/api/v5/clients/kickout/bulk', 'kickClients'),
  route('emqx5', 'GET', '/api/v5/nodes', 'listNodes'),
  route('emqx5', 'GET', '/api/v5/nodes/{node}', 'getNode'),
];

export const routeKeyOf = (r: Pick<ApiRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;

const BY_ROUTE_KEY = new Map(API_ROUTES.map((r) => [routeKeyOf(r), r]));

/** The route an API Gateway `routeKey` names, if it is one of ours. */
export function routeOf(routeKey: string): ApiRoute | undefined {
  return BY_ROUTE_KEY.get(routeKey);
}

/** The route of a request to one of the client handlers; a routing mistake of the stack if unknown. */
export function clientRouteOf(routeKey: string, handler: ClientHandler): ApiRoute {
  const found = routeOf(routeKey);
  if (!found || found.handler !== handler) throw new Error(`route ${routeKey} is not served by the ${handler} handler`);
  return found;
}
