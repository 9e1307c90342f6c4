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
