/** The local stack's tables: a table kept from before an index was added gets the index when the stack starts. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { inject, describe, expect, it } from 'vitest';
import { createTableInput, SESSIONS_TABLE } from '../../../functions/sessions/table.js';
import { ensureIndexes } from '../../../infra/local/tables.js';
import { localDocumentClient } from '../../support/dynamodb.js';

describe('ensureIndexes', () => {
  it('adds the username index to a table made without it, and leaves a complete table as it is', async () => {
    const endpoint = inject('dynamodbEndpoint');
    const db = localDocumentClient(endpoint);
    const input = createTableInput(`sessions-${randomUUID()}`);
    const usernameIndex = SESSIONS_TABLE.indexes.byUsername;
    await db.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((index) => index.IndexName !== usernameIndex.indexName),
        AttributeDefinitions: input.AttributeDefinitions!.filter((a) => a.AttributeName !== usernameIndex.partitionKey.name),
      }),
    );
    const indexes = async () => {
      const { Table } = await db.send(new DescribeTableCommand({ TableName: input.TableName }));
      return (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({ name: index.IndexName, projection: index.Projection?.ProjectionType })).sort((a, b) => a.name!.localeCompare(b.name!));
    };
    try {
      expect((await indexes()).map((i) => i.name)).not.toContain(usernameIndex.indexName);
      await ensureIndexes(endpoint, input);
      const expected = input.GlobalSecondaryIndexes!.map((index) => ({ name: index.IndexName, projection: index.Projection?.ProjectionType })).sort((a, b) => a.name!.localeCompare(b.name!));
      expect(await indexes()).toEqual(expected);
      await ensureIndexes(endpoint, input);
      expect(await indexes()).toEqual(expected);
    } finally {
      await db.send(new DeleteTableCommand({ TableName: input.TableName }));
      db.destroy();
    }
  });
});
