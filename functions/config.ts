/**
 * Configuration from the environment, read once per cold start. A missing or
 * malformed value stops the function at load time with a message naming it,
 * rather than failing requests one by one. Each schema is built when its
 * loader runs, so a function builds only its own (zod builds are most of a
 * handler's load time).
 */
import * as z from './validation/zod.js';

/** An integer from the environment (a string there) within [min, max]. */
const intIn = (min: number, max?: number) =>
  max === undefined
    ? z.coerce.number().check(z.int(), z.gte(min))
    : z.coerce.number().check(z.int(), z.gte(min), z.lte(max));

const tableSchema = () =>
  z.object({
    TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    SESSION_SHARDS: z._default(intIn(1, 256), 8),
    DYNAMODB_ENDPOINT: z.optional(z.url()),
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  });

const listSchema = () =>
  z.extend(tableSchema(), {
    CURSOR_SECRET: z.string().check(z.minLength(16, 'CURSOR_SECRET must hold at least 16 characters')),
    // How long a list walks an index before it answers the rows found so far (with a cursor to go on).
    LIST_BUDGET_MS: z._default(intIn(100, 25_000), 3_000),
  });

export const KICK_VIAS = ['mqtt', 'emqx5', 'emqx4', 'aws-iot'] as const;
export type KickVia = (typeof KICK_VIAS)[number];

const brokerTimeout = () => z._default(intIn(100, 10_000), 3_000);
const arn = () => z.string().check(z.startsWith('arn:'));

const emqxApiFields = () => ({
  EMQX_API_URL: z.optional(z.url()),
  EMQX_API_KEY: z.optional(z.string().check(z.minLength(1))),
  EMQX_API_SECRET: z.optional(z.string().check(z.minLength(1))),
  EMQX_API_CREDENTIALS_SECRET_ARN: z.optional(arn()),
  BROKER_TIMEOUT_MS: brokerTimeout(),
});

type EmqxApiEnv = { EMQX_API_URL?: string | undefined; EMQX_API_KEY?: string | undefined; EMQX_API_SECRET?: string | undefined; EMQX_API_CREDENTIALS_SECRET_ARN?: string | undefined };
type RefinementCtx = z.core.$RefinementCtx;

function requireEmqxApi(c: EmqxApiEnv, ctx: RefinementCtx, why: string): void {
  if (!c.EMQX_API_URL) ctx.addIssue({ code: 'custom', path: ['EMQX_API_URL'], message: `required ${why}` });
  if (!c.EMQX_API_CREDENTIALS_SECRET_ARN && (!c.EMQX_API_KEY || !c.EMQX_API_SECRET)) {
    ctx.addIssue({ code: 'custom', path: ['EMQX_API_KEY'], message: `EMQX_API_KEY and EMQX_API_SECRET, or EMQX_API_CREDENTIALS_SECRET_ARN, required ${why}` });
  }
}

const controlSchema = () =>
  z
    .extend(tableSchema(), {
      KICK_VIA: z._default(z.enum(KICK_VIAS), 'mqtt'),
      CONTROL_BROKER_URL: z.optional(
        z.string().check(z.regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'CONTROL_BROKER_URL must be an mqtt://, mqtts://, ws:// or wss:// URL')),
      ),
      CONTROL_CREDENTIALS_SECRET_ARN: z.optional(arn()),
      CONTROL_USERNAME: z.optional(z.string()),
      CONTROL_PASSWORD: z.optional(z.string()),
      CONTROL_TOPIC_PREFIX: z._default(
        z
          .string()
          .check(
            z.minLength(1),
            z.refine((p) => !p.startsWith('$') && !/[+#]/.test(p), 'CONTROL_TOPIC_PREFIX must not start with $ or hold wildcards'),
          ),
        'clients-api/control',
      ),
      CONTROL_PUBACK_TIMEOUT_MS: z._default(intIn(100, 30_000), 2_000),
      KICK_CONFIRM_TIMEOUT_MS: z._default(intIn(0, 25_000), 3_000),
      ...emqxApiFields(),
      IOT_DATA_ENDPOINT: z.optional(z.url()),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (c.KICK_VIA === 'mqtt' && !c.CONTROL_BROKER_URL) {
          ctx.addIssue({ code: 'custom', path: ['CONTROL_BROKER_URL'], message: 'required when KICK_VIA is mqtt' });
        }
        if (c.KICK_VIA === 'emqx5' || c.KICK_VIA === 'emqx4') requireEmqxApi(c, ctx, `when KICK_VIA is ${c.KICK_VIA}`);
      }),
    );

const ingestTokenFields = () => ({
  INGEST_TOKEN: z.optional(z.string().check(z.minLength(16, 'INGEST_TOKEN must hold at least 16 characters'))),
  INGEST_TOKEN_SECRET_ARN: z.optional(arn()),
});

const emqxIngestSchema = () =>
  z.extend(tableSchema(), ingestTokenFields()).check(
    z.superRefine((c, ctx) => {
      if (!c.INGEST_TOKEN && !c.INGEST_TOKEN_SECRET_ARN) {
        ctx.addIssue({ code: 'custom', path: ['INGEST_TOKEN'], message: 'INGEST_TOKEN or INGEST_TOKEN_SECRET_ARN is required' });
      }
    }),
  );

const awsIotIngestSchema = () =>
  z.extend(tableSchema(), {
    ...ingestTokenFields(),
    // A connection key is `<ms>#<node>#<conn_id>`: a `#` in the node name would make two connections one.
    AWS_IOT_NODE: z.optional(z.string().check(z.minLength(1), z.refine((v) => !v.includes('#'), 'AWS_IOT_NODE must not contain #'))),
    AWS_IOT_SESSION_EXPIRY_SECONDS: z._default(intIn(0, 7 * 24 * 3600), 3600),
    AWS_IOT_PERSISTENT_SESSIONS: z._default(z.enum(['true', 'false']), 'false'),
  });

const reconcileSchema = () =>
  z
    .extend(tableSchema(), {
      RECONCILE_SOURCE: z.enum(['emqx5', 'emqx4']),
      ...emqxApiFields(),
      RECONCILE_PAGE_SIZE: z._default(intIn(1, 10_000), 1_000),
      RECONCILE_MAX_SESSIONS: z._default(intIn(1), 1_000_000),
    })
    .check(z.superRefine((c, ctx) => requireEmqxApi(c, ctx, 'for reconciliation')));

export type TableConfig = {
  tableName: string;
  shards: number;
  endpoint: string | undefined;
  region: string;
};
export type ListConfig = TableConfig & { cursorSecret: string; listBudgetMs: number };
export type ControlConfig = TableConfig & {
  brokerUrl: string;
  credentialsSecretArn: string | undefined;
  username: string | undefined;
  password: string | undefined;
  topicPrefix: string;
  pubackTimeoutMs: number;
  confirmTimeoutMs: number;
};

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

export type KickConfig = TableConfig & {
  via: KickVia;
  confirmTimeoutMs: number;
  /** Set when `via` is mqtt. */
  control: ControlConfig | undefined;
  /** Set when `via` is emqx5 or emqx4. */
  emqx: EmqxApiConfig | undefined;
  /** For `via` aws-iot: the IoT data endpoint (default: the SDK's for the region). */
  iotDataEndpoint: string | undefined;
  brokerTimeoutMs: number;
};

export type IngestTokenConfig = { token: string | undefined; tokenSecretArn: string | undefined; region: string };
export type EmqxIngestConfig = TableConfig & { ingestToken: IngestTokenConfig };
export type AwsIotIngestConfig = TableConfig & {
  /** Absent: only direct invocations (the IoT rule) are taken, no HTTP requests. */
  ingestToken: IngestTokenConfig | undefined;
  node: string;
  sessionExpirySeconds: number;
  persistentSessions: boolean;
};
export type ReconcileConfig = TableConfig & { emqx: EmqxApiConfig; pageSize: number; maxSessions: number };

function parse<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return result.data;
}

/** The table part of any loader's parsed fields: every schema here extends the table's. */
function tableConfigOf(c: z.infer<ReturnType<typeof tableSchema>>): TableConfig {
  return { tableName: c.TABLE_NAME, shards: c.SESSION_SHARDS, endpoint: c.DYNAMODB_ENDPOINT, region: c.AWS_REGION };
}

export function loadTableConfig(env: NodeJS.ProcessEnv = process.env): TableConfig {
  return tableConfigOf(parse(tableSchema(), env));
}

export function loadListConfig(env: NodeJS.ProcessEnv = process.env): ListConfig {
  const c = parse(listSchema(), env);
  return { ...tableConfigOf(c), cursorSecret: c.CURSOR_SECRET, listBudgetMs: c.LIST_BUDGET_MS };
}

function emqxApiConfig(dialect: 'v5' | 'v4', c: z.infer<ReturnType<typeof reconcileSchema>> | z.infer<ReturnType<typeof controlSchema>>): EmqxApiConfig {
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

export function loadKickConfig(env: NodeJS.ProcessEnv = process.env): KickConfig {
  const c = parse(controlSchema(), env);
  const table = tableConfigOf(c);
  return {
    ...table,
    via: c.KICK_VIA,
    confirmTimeoutMs: c.KICK_CONFIRM_TIMEOUT_MS,
    control:
      c.KICK_VIA === 'mqtt'
        ? {
            ...table,
            brokerUrl: c.CONTROL_BROKER_URL!,
            credentialsSecretArn: c.CONTROL_CREDENTIALS_SECRET_ARN,
            username: c.CONTROL_USERNAME,
            password: c.CONTROL_PASSWORD,
            topicPrefix: c.CONTROL_TOPIC_PREFIX,
            pubackTimeoutMs: c.CONTROL_PUBACK_TIMEOUT_MS,
            confirmTimeoutMs: c.KICK_CONFIRM_TIMEOUT_MS,
          }
        : undefined,
    emqx: c.KICK_VIA === 'emqx5' || c.KICK_VIA === 'emqx4' ? emqxApiConfig(c.KICK_VIA === 'emqx5' ? 'v5' : 'v4', c) : undefined,
    iotDataEndpoint: c.IOT_DATA_ENDPOINT,
    brokerTimeoutMs: c.BROKER_TIMEOUT_MS,
  };
}

function ingestToken(c: { INGEST_TOKEN?: string | undefined; INGEST_TOKEN_SECRET_ARN?: string | undefined; AWS_REGION: string }): IngestTokenConfig {
  return { token: c.INGEST_TOKEN, tokenSecretArn: c.INGEST_TOKEN_SECRET_ARN, region: c.AWS_REGION };
}

export function loadEmqxIngestConfig(env: NodeJS.ProcessEnv = process.env): EmqxIngestConfig {
  const c = parse(emqxIngestSchema(), env);
  return { ...tableConfigOf(c), ingestToken: ingestToken(c) };
}

export function loadAwsIotIngestConfig(env: NodeJS.ProcessEnv = process.env): AwsIotIngestConfig {
  const c = parse(awsIotIngestSchema(), env);
  return {
    ...tableConfigOf(c),
    ingestToken: c.INGEST_TOKEN || c.INGEST_TOKEN_SECRET_ARN ? ingestToken(c) : undefined,
    node: c.AWS_IOT_NODE ?? `aws-iot@${c.AWS_REGION}`,
    sessionExpirySeconds: c.AWS_IOT_SESSION_EXPIRY_SECONDS,
    persistentSessions: c.AWS_IOT_PERSISTENT_SESSIONS === 'true',
  };
}

export function loadReconcileConfig(env: NodeJS.ProcessEnv = process.env): ReconcileConfig {
  const c = parse(reconcileSchema(), env);
  return {
    ...tableConfigOf(c),
    emqx: emqxApiConfig(c.RECONCILE_SOURCE === 'emqx5' ? 'v5' : 'v4', c),
    pageSize: c.RECONCILE_PAGE_SIZE,
    maxSessions: c.RECONCILE_MAX_SESSIONS,
  };
}

const appsSchema = () =>
  z.object({
    APPS_TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
    DYNAMODB_ENDPOINT: z.optional(z.url()),
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    APP_CACHE_TTL_MS: z._default(intIn(0, 3_600_000), 60_000),
  });

export type AppsConfig = { appsTableName: string; endpoint: string | undefined; region: string; cacheTtlMs: number };

/** The app authorizer's configuration: the apps table only. */
export function loadAppsConfig(env: NodeJS.ProcessEnv = process.env): AppsConfig {
  const c = parse(appsSchema(), env);
  return { appsTableName: c.APPS_TABLE_NAME, endpoint: c.DYNAMODB_ENDPOINT, region: c.AWS_REGION, cacheTtlMs: c.APP_CACHE_TTL_MS };
}
