/** The DynamoDB document client every part of the service uses. */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableConfig } from '../config.js';

export function createDocumentClient(
  config: Pick<TableConfig, 'endpoint' | 'region'>,
  overrides: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // The SDK's default socket timeout is minutes; a hung request must fail
    // (and be retried) well within the function's own timeout.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
    ...overrides,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
