/** The sessions table part that every sessions function's configuration extends. */
import * as z from '../validation/zod.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';

export const tableSchema = () =>
  z.object({
    TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    SESSION_SHARDS: intSetting('SESSION_SHARDS', 8),
    DYNAMODB_ENDPOINT: z.optional(z.url()),
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  });

export type TableConfig = {
  tableName: string;
  shards: number;
  endpoint: string | undefined;
  region: string;
};

/** The table part of any loader's parsed fields: every sessions schema extends the table's. */
export function tableConfigOf(c: z.infer<ReturnType<typeof tableSchema>>): TableConfig {
  return { tableName: c.TABLE_NAME, shards: c.SESSION_SHARDS, endpoint: c.DYNAMODB_ENDPOINT, region: c.AWS_REGION };
}

export function loadTableConfig(env: NodeJS.ProcessEnv = process.env): TableConfig {
  return tableConfigOf(parse(tableSchema(), env));
}

/** What a deployment sets for the table part (AWS_REGION is the runtime's). */
export interface TableSettings {
  readonly tableName: string;
  readonly shards: number;
  /** DYNAMODB_ENDPOINT, e.g. DynamoDB Local. */
  readonly endpoint?: string;
}

export function tableEnvironment(s: TableSettings): Environment {
  return { TABLE_NAME: s.tableName, SESSION_SHARDS: String(s.shards), ...optionalVariable('DYNAMODB_ENDPOINT', s.endpoint) };
}
