/** The bearer token `POST /ingest/*` requests carry: fixed, or from a Secrets Manager secret. */
import * as z from '../validation/zod.js';
import { arn, optionalVariable, type Environment } from './schema.js';

export const ingestTokenFields = () => ({
  INGEST_TOKEN: z.optional(z.string().check(z.minLength(16, 'INGEST_TOKEN must hold at least 16 characters'))),
  INGEST_TOKEN_SECRET_ARN: z.optional(arn()),
});

export type IngestTokenConfig = { token: string | undefined; tokenSecretArn: string | undefined; region: string };

export function ingestTokenConfig(c: { INGEST_TOKEN?: string | undefined; INGEST_TOKEN_SECRET_ARN?: string | undefined; AWS_REGION: string }): IngestTokenConfig {
  return { token: c.INGEST_TOKEN, tokenSecretArn: c.INGEST_TOKEN_SECRET_ARN, region: c.AWS_REGION };
}

export interface IngestTokenSettings {
  readonly token?: string;
  readonly tokenSecretArn?: string;
}

export function ingestTokenEnvironment(s: IngestTokenSettings): Environment {
  return { ...optionalVariable('INGEST_TOKEN', s.token), ...optionalVariable('INGEST_TOKEN_SECRET_ARN', s.tokenSecretArn) };
}
