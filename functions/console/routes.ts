/**
 * Where the web console is served: the page at `/console`, its
 * content-hashed assets one segment below. The CDK stack and the local
 * server build their console routes from these; neither takes credentials
 * (the page holds no data; every data call it makes carries the app's own).
 */
export const CONSOLE_PAGE_PATH = '/console';

/** API Gateway's path templates of the console, page first. */
export const CONSOLE_ROUTE_PATHS = [CONSOLE_PAGE_PATH, `${CONSOLE_PAGE_PATH}/{asset}`] as const;

/** Whether a request path is the console's (a trailing slash ignored, as API Gateway does). */
export function isConsolePath(rawPath: string): boolean {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  if (path === CONSOLE_PAGE_PATH) return true;
  const rest = path.startsWith(`${CONSOLE_PAGE_PATH}/`) ? path.slice(CONSOLE_PAGE_PATH.length + 1) : undefined;
  return rest !== undefined && rest !== '' && !rest.includes('/');
}
