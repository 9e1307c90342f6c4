/** The shared table definitions (functions/sessions/table.ts, functions/apps/table.ts) as CDK table props. */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IndexDefinition, KeyAttribute } from '../../functions/sessions/table.js';

export function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

/** The shared index definition as CDK global secondary index props. */
export function globalSecondaryIndexProps(index: IndexDefinition): dynamodb.GlobalSecondaryIndexProps {
  const keys = {
    indexName: index.indexName,
    partitionKey: attribute(index.partitionKey),
    sortKey: attribute(index.sortKey),
  };
  return index.projection.type === 'INCLUDE'
    ? {
        ...keys,
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projection.nonKeyAttributes],
      }
    : { ...keys, projectionType: dynamodb.ProjectionType.KEYS_ONLY };
}

/** What both tables share: on demand, point-in-time recovery, encrypted, kept when the stack goes. */
export function retainedTableProps(partitionKey: KeyAttribute): dynamodb.TableProps {
  return {
    partitionKey: attribute(partitionKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
