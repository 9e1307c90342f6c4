/**
 * The sessions table (functions/sessions/table.ts) and the one place that
 * says what each kind of function may do with it: binding a function sets its
 * table variables and adds exactly the statements of its access mode.
 *
 * Not a construct of its own: the table is created in the given scope, so
 * its logical ID is the one deployed stacks hold.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { tableEnvironment, type TableSettings } from '../../functions/config.js';
import { COUNTER_KEY_PREFIX, RETIRED_USERNAME_INDEX, SESSION_INDEXES, SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { globalSecondaryIndexProps, retainedTableProps } from './table-props.js';

/** The counter items' keys as an IAM pattern: the leading U+0000 as `?`. */
export const COUNTER_KEY_PATTERN = `?${COUNTER_KEY_PREFIX.slice(1)}*`;

/** DynamoDB read actions on one item or one index range; no Scan. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

/**
 * Read-modify-write of single sessions (the counters follow from the
 * stream). TransactWriteItems, which the topic sets use, has no IAM action of
 * its own: each Put/Update in a transaction is authorized as PutItem/UpdateItem.
 */
const ITEM_WRITE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * What a function does with the sessions:
 * - `read`: GET routes, items and index ranges;
 * - `read-item`: one item (the MQTT kick, whose broker records the end);
 * - `write`: read-modify-write of single items (ingest; the kick through a broker API);
 * - `reconcile`: writes, batch reads, and the live-sessions index;
 * - `sweep`: the expiry index, and ending sessions.
 */
export type SessionsAccess = 'read' | 'read-item' | 'write' | 'reconcile' | 'sweep';

/** A function the table can be bound to. */
export type SessionsFunction = Pick<lambda.Function, 'addEnvironment' | 'addToRolePolicy'>;

export class SessionsTable {
  public readonly table: dynamodb.Table;
  /** The table variables of every bound function. */
  public readonly settings: TableSettings;

  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly shards: number;
      readonly warmThroughput?: dynamodb.WarmThroughput | undefined;
      /** The transitional deploy that adds `by-username-key` keeps the index it replaces (DEPLOY.md, "Upgrading"). */
      readonly keepRetiredUsernameIndex?: boolean | undefined;
      /** By index name: each index has throughput of its own, apart from the table's. */
      readonly indexWarmThroughput?: Readonly<Record<string, dynamodb.WarmThroughput>>;
    },
  ) {
    this.table = new dynamodb.Table(scope, id, {
      ...retainedTableProps(SESSIONS_TABLE.partitionKey),
      // Pre-warmed for the fleet's reconnect storm (fleet-sizing.ts).
      ...(props.warmThroughput ? { warmThroughput: props.warmThroughput } : {}),
      timeToLiveAttribute: SESSIONS_TABLE.ttlAttribute,
      // Enabling a stream updates the table in place.
      stream: dynamodb.StreamViewType[SESSIONS_TABLE.streamViewType],
    });
    // Nothing reads the retired index, so no function is granted it.
    for (const index of props.keepRetiredUsernameIndex ? [...SESSION_INDEXES, RETIRED_USERNAME_INDEX] : SESSION_INDEXES) {
      const warmThroughput = props.indexWarmThroughput?.[index.indexName];
      this.table.addGlobalSecondaryIndex({ ...globalSecondaryIndexProps(index), ...(warmThroughput ? { warmThroughput } : {}) });
    }
    this.settings = { tableName: this.table.tableName, shards: props.shards };
  }

  indexArn(indexName: string): string {
    return `${this.table.tableArn}/index/${indexName}`;
  }

  /** Sets `fn`'s TABLE_NAME and SESSION_SHARDS and grants it `access`, nothing more. */
  bind(fn: SessionsFunction, access: SessionsAccess): void {
    for (const [name, value] of Object.entries(tableEnvironment(this.settings))) fn.addEnvironment(name, value);
    for (const statement of this.statements(access)) fn.addToRolePolicy(new iam.PolicyStatement(statement));
  }

  /**
   * Lets the counter aggregator add to the counter items and read them (its
   * tidying of old checkpoints), and nothing else of the table; reading the
   * stream is granted by its event source. The keys are held to the counter
   * items' form: `?` stands for their leading U+0000, which a policy
   * document cannot carry.
   */
  bindCounterAggregator(fn: SessionsFunction): void {
    for (const [name, value] of Object.entries(tableEnvironment(this.settings))) fn.addEnvironment(name, value);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KeepCounters',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [COUNTER_KEY_PATTERN] } },
      }),
    );
  }

  /**
   * Lets a broker node (its instance or task role) run the session writer:
   * read-modify-write of single sessions and counter shards, and the index
   * queries of the restart clean-up and the expiry sweep. Still no Scan.
   */
  grantWriter(grantee: iam.IGrantable): iam.Grant {
    const { byConnState, byExpiry } = SESSIONS_TABLE.indexes;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [byConnState, byExpiry].map((index) => this.indexArn(index.indexName)),
    });
    return iam.Grant.addToPrincipal({ grantee, actions: ITEM_WRITE_ACTIONS, resourceArns: [this.table.tableArn] });
  }

  /**
   * A managed policy for broker nodes that run the reference writer (`npm run
   * broker`): the writer's grants, and BatchGetItem and Scan for its reconciliation.
   */
  writerPolicy(scope: Construct, id: string): iam.ManagedPolicy {
    const { byConnState, byExpiry } = SESSIONS_TABLE.indexes;
    return new iam.ManagedPolicy(scope, id, {
      description: 'What a broker node running the session writer (npm run broker) needs on the sessions table',
      statements: [
        new iam.PolicyStatement({ sid: 'WriteSessions', actions: [...ITEM_WRITE_ACTIONS, 'dynamodb:BatchGetItem', 'dynamodb:Scan'], resources: [this.table.tableArn] }),
        new iam.PolicyStatement({ sid: 'QuerySessionIndexes', actions: ['dynamodb:Query'], resources: [byConnState, byExpiry].map((index) => this.indexArn(index.indexName)) }),
      ],
    });
  }

  private statements(access: SessionsAccess): iam.PolicyStatementProps[] {
    const tableArn = this.table.tableArn;
    const writes = (actions: string[] = []) => ({ sid: 'WriteSessions', actions: [...ITEM_WRITE_ACTIONS, ...actions], resources: [tableArn] });
    const query = (sid: string, indexName: string) => ({ sid, actions: ['dynamodb:Query'], resources: [this.indexArn(indexName)] });
    switch (access) {
      case 'read':
        return [{ sid: 'ReadSessions', actions: READ_ACTIONS, resources: [tableArn, ...SESSION_INDEXES.map((i) => this.indexArn(i.indexName))] }];
      case 'read-item':
        return [{ sid: 'ReadSession', actions: ['dynamodb:GetItem'], resources: [tableArn] }];
      case 'write':
        return [writes()];
      case 'reconcile':
        // Scan: a run with no memo learns what the table holds in one paged pass (functions/reconcile/memo-scan.ts).
        return [writes(['dynamodb:BatchGetItem', 'dynamodb:Scan']), query('ListLiveSessions', SESSIONS_TABLE.indexes.byConnState.indexName)];
      case 'sweep':
        return [query('FindExpiredSessions', SESSIONS_TABLE.indexes.byExpiry.indexName), { sid: 'EndSessions', actions: ITEM_WRITE_ACTIONS, resources: [tableArn] }];
    }
  }
}
