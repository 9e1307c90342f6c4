/**
 * The API surfaces (each one dialect) and the actions a route asks of one:
 * named here, below the route table (functions/api/routes.ts), so that a
 * dialect can tell what it is asked without knowing the routes.
 */

export const SURFACES = ['native', 'emqx4', 'emqx5'] as const;
export type Surface = (typeof SURFACES)[number];

export type Action =
  | 'listClients'
  | 'listClientsByCursor'
  | 'listNodes'
  | 'getNode'
  | 'getClient'
  | 'getClientsByUsername'
  | 'getSubscriptions'
  | 'kickClient'
  | 'kickClients'
  | 'listAclCache'
  | 'cleanAclCache'
  | 'subscribe'
  | 'unsubscribe'
  | 'openapiDocument';
