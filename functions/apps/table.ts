/**
 * The apps table: the app credentials of the EMQX-compatible surfaces
 * (`/api/v4`, `/api/v5`), one item per app id, defined once for the CDK
 * stack, the local stack and the apps command. A table of its own, so the
 * authorizer can be granted this table and nothing of the sessions.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const APPS_TABLE = { partitionKey: { name: 'app_id', type: 'S' } } as const;

export function createAppsTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: APPS_TABLE.partitionKey.name, AttributeType: APPS_TABLE.partitionKey.type }],
    KeySchema: [{ AttributeName: APPS_TABLE.partitionKey.name, KeyType: 'HASH' }],
  };
}
