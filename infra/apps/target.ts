/**
 * Where `npm run apps` goes: the local stack's DynamoDB (`--endpoint`), or a
 * deployed apps table in AWS, which needs a table (`--stack` or `--table`), a
 * region and credentials. Whatever is missing is said in one line naming what
 * to give, before any request leaves, instead of the AWS SDK's own error.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CLIENT_CONFIG } from '../local/dynamodb-local.js';
import { LOCAL_APPS_TABLE } from '../local/tables.js';
import { appsTableOfStack } from './stack-outputs.js';

export const TARGET_NEEDED =
  'give --endpoint <url> for the local stack (the DynamoDB URL npm start prints), ' +
  'or --stack <stack name> (or --table <name>) for a deployed one, with AWS credentials and a region (--region or AWS_REGION)';

/** Where the AWS SDK's default chain looks first. */
export const CREDENTIALS_NEEDED = 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/**
 * The deployed table a command is about to change or read, said before it
 * goes, since without `--endpoint` it goes to AWS; nothing for the local stack.
 */
export function awsTargetLine(target: AppsTarget): string | undefined {
  if (target.endpoint !== undefined) return undefined;
  return `apps: AWS, region ${target.region}, apps table ${target.table}, with the AWS SDK's default credentials (give --endpoint <url> for the local stack)`;
}

export type AppsTarget = { table: string; region: string; endpoint?: string | undefined };
export type TargetFlags = { endpoint?: string | undefined; table?: string | undefined; stack?: string | undefined; region?: string | undefined };

/** The region the AWS SDK itself finds (AWS_REGION, the profile's config). */
async function awsRegion(): Promise<string> {
  const client = new DynamoDBClient({});
  try {
    return await client.config.region();
  } finally {
    client.destroy();
  }
}

/** Rejects as the AWS SDK would on its first request when its default chain finds no credentials. */
async function awsCredentials(region: string): Promise<void> {
  const client = new DynamoDBClient({ region });
  try {
    await client.config.credentials();
  } finally {
    client.destroy();
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): Promise<AppsTarget> {
  if (flags.stack && flags.table) throw new Error('give --table or --stack, not both');
  const endpoint = flags.endpoint ?? env.DYNAMODB_ENDPOINT;
  if (endpoint) {
    const region = flags.region ?? env.AWS_REGION ?? LOCAL_CLIENT_CONFIG.region;
    const table = flags.stack ? await appsTableOfStack({ stackName: flags.stack, region }) : (flags.table ?? env.APPS_TABLE_NAME ?? LOCAL_APPS_TABLE);
    return { table, region, endpoint };
  }
  const named = flags.table ?? env.APPS_TABLE_NAME;
  if (!flags.stack && !named) throw new Error(`no apps table given: ${TARGET_NEEDED}`);
  const region = flags.region ?? (await awsRegion().catch(() => undefined));
  if (!region) throw new Error(`no AWS region: ${TARGET_NEEDED}`);
  await awsCredentials(region).catch((error: unknown) => {
    throw new Error(`no AWS credentials (${firstLine(error)}; ${CREDENTIALS_NEEDED}): ${TARGET_NEEDED}`);
  });
  const table = flags.stack ? await appsTableOfStack({ stackName: flags.stack, region }) : named!;
  return { table, region };
}
