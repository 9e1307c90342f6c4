/** How the kick and reconcile functions reach an EMQX cluster's REST API. */
import * as z from '../validation/zod.js';
import { arn, intSetting, optionalVariable, type Environment } from './schema.js';

export const emqxApiFields = () => ({
  EMQX_API_URL: z.optional(z.url()),
  EMQX_API_KEY: z.optional(z.string().check(z.minLength(1))),
  EMQX_API_SECRET: z.optional(z.string().check(z.minLength(1))),
  EMQX_API_CREDENTIALS_SECRET_ARN: z.optional(arn()),
  BROKER_TIMEOUT_MS: intSetting('BROKER_TIMEOUT_MS', 3_000),
});

type EmqxApiEnv = {
  EMQX_API_URL?: string | undefined;
  EMQX_API_KEY?: string | undefined;
  EMQX_API_SECRET?: string | undefined;
  EMQX_API_CREDENTIALS_SECRET_ARN?: string | undefined;
  BROKER_TIMEOUT_MS: number;
  AWS_REGION: string;
};

export function requireEmqxApi(c: Omit<EmqxApiEnv, 'BROKER_TIMEOUT_MS' | 'AWS_REGION'>, ctx: z.core.$RefinementCtx, why: string): void {
  if (!c.EMQX_API_URL) ctx.addIssue({ code: 'custom', path: ['EMQX_API_URL'], message: `required ${why}` });
  if (!c.EMQX_API_CREDENTIALS_SECRET_ARN && (!c.EMQX_API_KEY || !c.EMQX_API_SECRET)) {
    ctx.addIssue({ code: 'custom', path: ['EMQX_API_KEY'], message: `EMQX_API_KEY and EMQX_API_SECRET, or EMQX_API_CREDENTIALS_SECRET_ARN, required ${why}` });
  }
}

/** How to reach an EMQX cluster's REST API; credentials fixed or from a Secrets Manager secret `{"key","secret"}`. */
export type EmqxApiConfig = {
  dialect: 'v5' | 'v4';
  baseUrl: string;
  key: string | undefined;
  secret: string | undefined;
  credentialsSecretArn: string | undefined;
  timeoutMs: number;
  region: string;
};

/** The API part of parsed fields that passed {@link requireEmqxApi}. */
export function emqxApiConfig(dialect: 'v5' | 'v4', c: EmqxApiEnv): EmqxApiConfig {
  return {
    dialect,
    baseUrl: c.EMQX_API_URL!.replace(/\/+$/, ''),
    key: c.EMQX_API_KEY,
    secret: c.EMQX_API_SECRET,
    credentialsSecretArn: c.EMQX_API_CREDENTIALS_SECRET_ARN,
    timeoutMs: c.BROKER_TIMEOUT_MS,
    region: c.AWS_REGION,
  };
}

/** The EMQX API a deployment points a function at: a credentials secret, or a fixed key and secret. */
export interface EmqxApiSettings {
  readonly baseUrl: string;
  readonly credentialsSecretArn?: string;
  readonly key?: string;
  readonly secret?: string;
  /** BROKER_TIMEOUT_MS. @default 3000 (the function's) */
  readonly timeoutMs?: number;
}

export function emqxApiEnvironment(s: EmqxApiSettings): Environment {
  return {
    EMQX_API_URL: s.baseUrl,
    ...optionalVariable('EMQX_API_KEY', s.key),
    ...optionalVariable('EMQX_API_SECRET', s.secret),
    ...optionalVariable('EMQX_API_CREDENTIALS_SECRET_ARN', s.credentialsSecretArn),
    ...optionalVariable('BROKER_TIMEOUT_MS', s.timeoutMs),
  };
}
