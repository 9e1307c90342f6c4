/**
 * The roles of the apps of `/api/v4` and `/api/v5`, as EMQX 5's API keys have
 * them (emqx_dashboard_rbac): an administrator may call every route, a viewer
 * every GET and nothing else. EMQX's third role, publisher, may only publish
 * (POST /publish), a route this API does not have, so it is not offered.
 * The authorizer puts the app's role in its context; API Gateway hands it to
 * the handler at `requestContext.authorizer.lambda`.
 */
export const APP_ROLES = ['administrator', 'viewer'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/** An app record written before roles existed is an administrator's, as EMQX takes a key without one. */
export const DEFAULT_APP_ROLE: AppRole = 'administrator';

export const isAppRole = (value: unknown): value is AppRole => APP_ROLES.includes(value as AppRole);

type WithAuthorizer = { requestContext?: { authorizer?: { lambda?: Record<string, unknown> | null } } };

/**
 * The role the authorizer gave the caller, or undefined for a caller no app
 * authorizer ran for (SigV4 on the native routes: IAM decides there). A
 * context whose role is not one of ours is kept as it is, to be refused.
 */
export function callerRole(event: WithAuthorizer): string | undefined {
  const context = event.requestContext?.authorizer?.lambda;
  if (!context) return undefined;
  const role = context.role;
  return role === undefined ? DEFAULT_APP_ROLE : String(role);
}

/** Whether a caller of this role may change state (kick): only an administrator, or a caller without an app. */
export const mayKick = (role: string | undefined) => role === undefined || role === 'administrator';
