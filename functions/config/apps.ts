/** The app-credentials authorizer (authorize-app.ts): the apps table only, never the sessions. */
import * as z from '../validation/zod.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';

const appsSchema = () =>
  z.object({
    APPS_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    DYNAMODB_ENDPOINT: z.optional(z.url()),
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    APP_CACHE_TTL_MS: intSetting('APP_CACHE_TTL_MS', 60_000),
  });

export type AppsConfig = { appsTableName: string; endpoint: string | undefined; region: string; cacheTtlMs: number };

/** The app authorizer's configuration: the apps table only. */
export function loadAppsConfig(env: NodeJS.ProcessEnv = process.env): AppsConfig {
  const c = parse(appsSchema(), env);
  return { appsTableName: c.APPS_TABLE_NAME, endpoint: c.DYNAMODB_ENDPOINT, region: c.AWS_REGION, cacheTtlMs: c.APP_CACHE_TTL_MS };
}

export interface AppsSettings {
  readonly appsTableName: string;
  /** How long the warm function keeps an app record. @default 60000 (the function's) */
  readonly cacheTtlMs?: number;
  /** DYNAMODB_ENDPOINT, e.g. DynamoDB Local. */
  readonly endpoint?: string;
}

export function appsEnvironment(s: AppsSettings): Environment {
  return {
    APPS_TABLE_NAME: s.appsTableName,
    ...optionalVariable('APP_CACHE_TTL_MS', s.cacheTtlMs),
    ...optionalVariable('DYNAMODB_ENDPOINT', s.endpoint),
  };
}
