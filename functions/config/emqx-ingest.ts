/** POST /ingest/emqx (ingest-emqx.ts): the table and the webhooks' bearer token, which is required. */
import * as z from '../validation/zod.js';
import { ingestTokenConfig, ingestTokenEnvironment, ingestTokenFields, type IngestTokenConfig, type IngestTokenSettings } from './ingest-token.js';
import { parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

const emqxIngestSchema = () =>
  z.extend(tableSchema(), ingestTokenFields()).check(
    z.superRefine((c, ctx) => {
      if (!c.INGEST_TOKEN && !c.INGEST_TOKEN_SECRET_ARN) {
        ctx.addIssue({ code: 'custom', path: ['INGEST_TOKEN'], message: 'INGEST_TOKEN or INGEST_TOKEN_SECRET_ARN is required' });
      }
    }),
  );

export type EmqxIngestConfig = TableConfig & { ingestToken: IngestTokenConfig };

export function loadEmqxIngestConfig(env: NodeJS.ProcessEnv = process.env): EmqxIngestConfig {
  const c = parse(emqxIngestSchema(), env);
  return { ...tableConfigOf(c), ingestToken: ingestTokenConfig(c) };
}

export type EmqxIngestSettings = TableSettings & { readonly ingestToken: IngestTokenSettings };

export function emqxIngestEnvironment(s: EmqxIngestSettings): Environment {
  return { ...tableEnvironment(s), ...ingestTokenEnvironment(s.ingestToken) };
}
