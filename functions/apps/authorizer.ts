/**
 * Lambda REQUEST authorizer of the EMQX-compatible routes (`/api/v4`,
 * `/api/v5`): HTTP Basic with an app id and secret, as EMQX's API keys. An
 * HTTP API authorizer answers with simple responses: API Gateway turns
 * `isAuthorized: false` into 403, and a missing Authorization header into
 * 401 before this function runs; it caches each answer by the header.
 * Credentials no app could have are refused before any read or hash: a
 * guess with a malformed id costs nothing but this check.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppsConfig } from '../config.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import type { AppRole } from '../http/app-role.js';
import { AppStore, isActiveApp, isWellFormedCredentials, roleOf } from './app-store.js';
import { parseBasicAuth } from './basic-auth.js';

/** `context` reaches the handler at `requestContext.authorizer.lambda`. */
export type AuthorizerResult = { isAuthorized: boolean; context?: { app_id: string; role: AppRole } };

export type AuthorizerDeps = {
  store: Pick<AppStore, 'get'>;
  /** How long a warm authorizer keeps an app record: a revoked app stops working within this time (plus API Gateway's cache). */
  cacheTtlMs: number;
  logger: Logger;
};

type CachedApp = { app: Awaited<ReturnType<AppStore['get']>>; until: number };

/** Cached app records at most; the cache starts over when full. */
const MAX_CACHED_APPS = 1000;

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

export function appAuthorizer(deps: AuthorizerDeps): (event: unknown) => Promise<AuthorizerResult> {
  const { store, logger } = deps;
  // Kept by the warm function instance.
  const apps = new Map<string, CachedApp>();

  async function cachedApp(appId: string, now: number) {
    const hit = apps.get(appId);
    if (hit && hit.until > now) return hit.app;
    const app = await store.get(appId);
    if (apps.size >= MAX_CACHED_APPS) apps.clear();
    apps.set(appId, { app, until: now + deps.cacheTtlMs });
    return app;
  }

  return async (event) => {
    const credentials = parseBasicAuth(authorizationOf(event));
    if (!credentials || !isWellFormedCredentials(credentials.appId, credentials.appSecret)) return { isAuthorized: false };
    try {
      const app = await cachedApp(credentials.appId, Date.now());
      // An unknown id is verified against a decoy: the same work as a wrong secret.
      const active = await isActiveApp(app, credentials.appSecret);
      if (active && app) return { isAuthorized: true, context: { app_id: credentials.appId, role: roleOf(app) } };
      logger.info('app credentials refused', { app_id: credentials.appId.slice(0, 64) });
      return { isAuthorized: false };
    } catch (error) {
      // Thrown, not refused: API Gateway answers 500 and caches nothing, where a refusal would lock a valid app out for the cache's time.
      logger.error('app lookup failed', { error: error as Error });
      throw error;
    }
  };
}

/** The authorizer's deps from its configuration; `db` defaults to a client of the configured endpoint. */
export function authorizerDepsOf(config: AppsConfig, observed: { logger: Logger }, db: DynamoDBDocumentClient = createDocumentClient(config)): AuthorizerDeps {
  return { store: new AppStore(db, config.appsTableName), cacheTtlMs: config.cacheTtlMs, logger: observed.logger };
}
