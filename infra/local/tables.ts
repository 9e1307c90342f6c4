/** The local stack's tables, created in its DynamoDB if missing: the sessions table, and the apps table beside it. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';

export const LOCAL_APPS_TABLE = 'apps';

export async function ensureTable(endpoint: string, input: CreateTableCommandInput): Promise<void> {
  const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  try {
    await db.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    db.destroy();
  }
}

/** Turns on the stream a table kept from before it was defined with one (a `-dbPath` DynamoDB Local keeps tables). */
export async function ensureStream(endpoint: string, input: CreateTableCommandInput): Promise<void> {
  if (!input.StreamSpecification) return;
  const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  try {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.StreamSpecification?.StreamEnabled) return;
    await db.send(new UpdateTableCommand({ TableName: input.TableName, StreamSpecification: input.StreamSpecification }));
  } finally {
    db.destroy();
  }
}

/**
 * Adds the global secondary indexes a kept table lacks (one added since it was
 * made), one UpdateTable each: DynamoDB adds at most one index per update.
 */
export async function ensureIndexes(endpoint: string, input: CreateTableCommandInput): Promise<void> {
  const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  try {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: input.TableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    for (const index of input.GlobalSecondaryIndexes ?? []) {
      if (present.has(index.IndexName)) continue;
      const keys = new Set(index.KeySchema?.map((key) => key.AttributeName));
      await db.send(
        new UpdateTableCommand({
          TableName: input.TableName,
          AttributeDefinitions: input.AttributeDefinitions?.filter((a) => keys.has(a.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
        }),
      );
    }
  } finally {
    db.destroy();
  }
}
