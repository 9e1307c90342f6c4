/** The DynamoDB document client every part of the service uses. */
import { DynamoDBClient, type AttributeValue, type ConditionalCheckFailedException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TableConfig } from '../config.js';

export function createDocumentClient(
  config: Pick<TableConfig, 'endpoint' | 'region'>,
  overrides: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Without these a hung request waits for minutes; three attempts must
    // fail within the 10 s the list and get functions have.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
    ...overrides,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * The item a failed condition returned (`ReturnValuesOnConditionCheckFailure:
 * ALL_OLD`), undefined when there was none. The document client leaves it
 * marshalled.
 */
export function itemOfFailedCondition(error: ConditionalCheckFailedException): Record<string, unknown> | undefined {
  const old = error.Item as Record<string, AttributeValue> | undefined;
  return old ? unmarshall(old) : undefined;
}
