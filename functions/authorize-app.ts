/**
 * Lambda REQUEST authorizer of the EMQX-compatible routes (`/api/v4`,
 * `/api/v5`): HTTP Basic with an app id and secret, as EMQX's API keys. An
 * HTTP API authorizer answers with simple responses: API Gateway turns
 * `isAuthorized: false` into 403, and a missing Authorization header into
 * 401 before this function runs; it caches each answer by the header.
 */
import { parseBasicAuth } from './apps/basic-auth.js';
import { AppStore, isActiveApp } from './apps/app-store.js';
import { loadAppsConfig } from './config.js';
import { logger } from './http/observability.js';
import { createDocumentClient } from './sessions/dynamodb.js';

const config = loadAppsConfig();
const store = new AppStore(createDocumentClient(config), config.appsTableName);

/** App records kept by the warm function: a revoked app stops working within this time (plus API Gateway's cache). */
const apps = new Map<string, { app: Awaited<ReturnType<AppStore['get']>>; until: number }>();

async function cachedApp(appId: string, now: number) {
  const hit = apps.get(appId);
  if (hit && hit.until > now) return hit.app;
  const app = await store.get(appId);
  if (apps.size >= 1000) apps.clear();
  apps.set(appId, { app, until: now + config.cacheTtlMs });
  return app;
}

export type AuthorizerResult = { isAuthorized: boolean; context?: { app_id: string } };

/**
 * The Authorization header of a payload 2.0 authorizer event: its only
 * identity source, and (under any letter case) among its headers.
 */
function authorizationOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { identitySource, headers } = event as { identitySource?: unknown; headers?: unknown };
  if (Array.isArray(identitySource) && typeof identitySource[0] === 'string') return identitySource[0];
  if (typeof headers !== 'object' || headers === null) return undefined;
  const entry = Object.entries(headers as Record<string, unknown>).find(([name]) => name.toLowerCase() === 'authorization');
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

export const handler = async (event: unknown): Promise<AuthorizerResult> => {
  const credentials = parseBasicAuth(authorizationOf(event));
  if (!credentials) return { isAuthorized: false };
  try {
    const app = await cachedApp(credentials.appId, Date.now());
    if (await isActiveApp(app, credentials.appSecret)) return { isAuthorized: true, context: { app_id: credentials.appId } };
    logger.info('app credentials refused', { app_id: credentials.appId.slice(0, 64) });
    return { isAuthorized: false };
  } catch (error) {
    // Thrown, not refused: API Gateway answers 500 and caches nothing, where a refusal would lock a valid app out for the cache's time.
    logger.error('app lookup failed', { error: error as Error });
    throw error;
  }
};
