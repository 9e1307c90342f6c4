/** The local stack's apps table: created beside the sessions table, in the same DynamoDB. */
import { CreateTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { createAppsTableInput } from '../../functions/apps/table.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';

export const LOCAL_APPS_TABLE = 'apps';

export async function ensureAppsTable(endpoint: string, tableName: string): Promise<void> {
  const db = createDocumentClient({ endpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  try {
    await db.send(new CreateTableCommand(createAppsTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    db.destroy();
  }
}
