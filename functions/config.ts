/**
 * Configuration from the environment, read once per cold start. A missing or
 * malformed value stops the function at load time with a message naming it,
 * rather than failing requests one by one.
 */
import { z } from 'zod';

const shards = z.coerce.number().int().min(1).max(256);

const tableSchema = z.object({
  TABLE_NAME: z.string().min(3).max(255),
  SESSION_SHARDS: shards.default(8),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
});

const listSchema = tableSchema.extend({
  CURSOR_SECRET: z.string().min(16, 'CURSOR_SECRET must hold at least 16 characters'),
});

const controlSchema = tableSchema.extend({
  CONTROL_BROKER_URL: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'CONTROL_BROKER_URL must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  CONTROL_CREDENTIALS_SECRET_ARN: z.string().startsWith('arn:').optional(),
  CONTROL_USERNAME: z.string().optional(),
  CONTROL_PASSWORD: z.string().optional(),
  CONTROL_TOPIC_PREFIX: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('$') && !/[+#]/.test(p), 'CONTROL_TOPIC_PREFIX must not start with $ or hold wildcards')
    .default('clients-api/control'),
  CONTROL_PUBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
  KICK_CONFIRM_TIMEOUT_MS: z.coerce.number().int().min(0).max(25_000).default(3_000),
});

export type TableConfig = {
  tableName: string;
  shards: number;
  endpoint: string | undefined;
  region: string;
};
export type ListConfig = TableConfig & { cursorSecret: string };
export type ControlConfig = TableConfig & {
  brokerUrl: string;
  credentialsSecretArn: string | undefined;
  username: string | undefined;
  password: string | undefined;
  topicPrefix: string;
  pubackTimeoutMs: number;
  confirmTimeoutMs: number;
};

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return result.data;
}

export function loadTableConfig(env: NodeJS.ProcessEnv = process.env): TableConfig {
  const c = parse(tableSchema, env);
  return { tableName: c.TABLE_NAME, shards: c.SESSION_SHARDS, endpoint: c.DYNAMODB_ENDPOINT, region: c.AWS_REGION };
}

export function loadListConfig(env: NodeJS.ProcessEnv = process.env): ListConfig {
  const c = parse(listSchema, env);
  return { ...loadTableConfig(env), cursorSecret: c.CURSOR_SECRET };
}

export function loadControlConfig(env: NodeJS.ProcessEnv = process.env): ControlConfig {
  const c = parse(controlSchema, env);
  return {
    ...loadTableConfig(env),
    brokerUrl: c.CONTROL_BROKER_URL,
    credentialsSecretArn: c.CONTROL_CREDENTIALS_SECRET_ARN,
    username: c.CONTROL_USERNAME,
    password: c.CONTROL_PASSWORD,
    topicPrefix: c.CONTROL_TOPIC_PREFIX,
    pubackTimeoutMs: c.CONTROL_PUBACK_TIMEOUT_MS,
    confirmTimeoutMs: c.KICK_CONFIRM_TIMEOUT_MS,
  };
}
