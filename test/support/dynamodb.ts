/** A fresh sessions table in the shared DynamoDB Local, per test file or test. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { createTableInput } from '../../functions/sessions/table.js';
import { SessionStore } from '../../functions/sessions/store.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { CounterApplier } from '../../functions/counters/applier.js';
import { aggregateCountersHandler } from '../../functions/counters/handler.js';
import { observability } from '../../functions/http/observability.js';
import { StreamConsumer } from '../../infra/local/stream-consumer.js';

/** The cursor secret of every test table's handler environment. */
export const TEST_CURSOR_SECRET = 'test-cursor-secret-0123456789';

export type TestTable = {
  endpoint: string;
  table: TableRef;
  db: DynamoDBDocumentClient;
  store: SessionStore;
  writer: SessionWriter;
  /** Environment for the handler modules pointed at this table. */
  env: Record<string, string>;
  /**
   * Applies every change written so far to the counters, through the stream
   * and the aggregator's handler, so that counts can be asserted exactly.
   */
  settle(): Promise<void>;
  drop(): Promise<void>;
};

/** The stream consumer of every open test table, by table name: whole-table checks settle the table first. */
const consumers = new Map<string, StreamConsumer>();

/** Applies the table's stream to its counters; a table of no test helper has nothing to apply. */
export async function settleTable(tableName: string): Promise<void> {
  await consumers.get(tableName)?.drain();
}

export function localDocumentClient(endpoint = inject('dynamodbEndpoint')): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * A sessions table of its own for a test. `counted: false` leaves out the
 * table's stream and its aggregator: a test that loads a large fleet and
 * asserts no count then writes at about twice the speed (DynamoDB Local
 * keeps every stream record).
 */
export async function createTestTable(options: { shards?: number; counted?: boolean } = {}): Promise<TestTable> {
  const endpoint = inject('dynamodbEndpoint');
  const table: TableRef = { tableName: `sessions-${randomUUID()}`, shards: options.shards ?? 4 };
  const db = localDocumentClient(endpoint);
  const input = createTableInput(table.tableName);
  if (options.counted === false) delete input.StreamSpecification;
  await db.send(new CreateTableCommand(input));
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  const consumer =
    options.counted === false
      ? undefined
      : new StreamConsumer(endpoint, table.tableName, aggregateCountersHandler({ applier: new CounterApplier(db, table), ...observed }));
  if (consumer) consumers.set(table.tableName, consumer);
  return {
    endpoint,
    table,
    db,
    store: new SessionStore(db, table),
    writer: new SessionWriter(db, table),
    env: {
      TABLE_NAME: table.tableName,
      SESSION_SHARDS: String(table.shards),
      DYNAMODB_ENDPOINT: endpoint,
      AWS_REGION: LOCAL_CLIENT_CONFIG.region,
      AWS_ACCESS_KEY_ID: LOCAL_CLIENT_CONFIG.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CLIENT_CONFIG.credentials.secretAccessKey,
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    settle: () => settleTable(table.tableName),
    drop: async () => {
      consumers.delete(table.tableName);
      await consumer?.stop();
      await db.send(new DeleteTableCommand({ TableName: table.tableName }));
      db.destroy();
    },
  };
}
