/**
 * AWS IoT Core lifecycle events (ingest-aws-iot.ts): the table, the node the
 * sessions are recorded under, and what the events do not say (session
 * expiry, persistence); a bearer token only if HTTP requests are taken too.
 */
import * as z from '../validation/zod.js';
import { ingestTokenConfig, ingestTokenEnvironment, ingestTokenFields, type IngestTokenConfig, type IngestTokenSettings } from './ingest-token.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

/** How the topic rules hand events over: an SQS queue, or batches posted to the function's URL. */
export const AWS_IOT_DELIVERIES = ['queue', 'http'] as const;
export type AwsIotDelivery = (typeof AWS_IOT_DELIVERIES)[number];

const awsIotIngestSchema = () =>
  z.extend(tableSchema(), {
    ...ingestTokenFields(),
    // A connection key is `<ms>#<node>#<conn_id>`: a `#` in the node name would make two connections one.
    AWS_IOT_NODE: z.optional(z.string().check(z.minLength(1), z.refine((v) => !v.includes('#'), 'AWS_IOT_NODE must not contain #'))),
    AWS_IOT_SESSION_EXPIRY_SECONDS: intSetting('AWS_IOT_SESSION_EXPIRY_SECONDS', 3600),
    AWS_IOT_PERSISTENT_SESSIONS: z._default(z.enum(['true', 'false']), 'false'),
    AWS_IOT_DELIVERY: z._default(z.enum(AWS_IOT_DELIVERIES), 'queue'),
  });

export type AwsIotIngestConfig = TableConfig & {
  /** Absent: only direct invocations (the IoT rule) are taken, no HTTP requests. */
  ingestToken: IngestTokenConfig | undefined;
  node: string;
  sessionExpirySeconds: number;
  persistentSessions: boolean;
  /** `http`: HTTP requests are the rules' batches (aws-iot-batch.ts), not `POST /ingest/aws-iot`. */
  delivery: AwsIotDelivery;
};

export function loadAwsIotIngestConfig(env: NodeJS.ProcessEnv = process.env): AwsIotIngestConfig {
  const c = parse(awsIotIngestSchema(), env);
  return {
    ...tableConfigOf(c),
    ingestToken: c.INGEST_TOKEN || c.INGEST_TOKEN_SECRET_ARN ? ingestTokenConfig(c) : undefined,
    node: c.AWS_IOT_NODE ?? `aws-iot@${c.AWS_REGION}`,
    sessionExpirySeconds: c.AWS_IOT_SESSION_EXPIRY_SECONDS,
    persistentSessions: c.AWS_IOT_PERSISTENT_SESSIONS === 'true',
    delivery: c.AWS_IOT_DELIVERY,
  };
}

export type AwsIotIngestSettings = TableSettings & {
  /** @default `aws-iot@<region>` (the function's) */
  readonly node?: string;
  /** @default 3600 (the function's) */
  readonly sessionExpirySeconds?: number;
  /** @default false (the function's) */
  readonly persistentSessions?: boolean;
  /** @default - none: direct invocations only */
  readonly ingestToken?: IngestTokenSettings;
  /** @default 'queue' (the function's) */
  readonly delivery?: AwsIotDelivery;
};

export function awsIotIngestEnvironment(s: AwsIotIngestSettings): Environment {
  return {
    ...tableEnvironment(s),
    ...(s.ingestToken ? ingestTokenEnvironment(s.ingestToken) : {}),
    ...optionalVariable('AWS_IOT_NODE', s.node),
    ...optionalVariable('AWS_IOT_SESSION_EXPIRY_SECONDS', s.sessionExpirySeconds),
    ...optionalVariable('AWS_IOT_PERSISTENT_SESSIONS', s.persistentSessions),
    ...optionalVariable('AWS_IOT_DELIVERY', s.delivery),
  };
}
