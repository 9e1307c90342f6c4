/**
 * The sessions table and its indexes: the one definition that the CDK stack,
 * the local stack and the tests all build from.
 *
 * Item kinds in the table (all keyed by `clientid`):
 * - a live session: every client field, plus the index keys below;
 * - a tombstone of an ended session: `clientid`, `conn_key`, `ended_at`,
 *   `ended_reason`, `purge_at`; no index keys, so no index holds it. It keeps
 *   late events of an ended connection from bringing the session back;
 * - a counter shard: `clientid` = COUNTER_KEY_PREFIX + shard, with one number
 *   per connection state and per node and state, added to by the aggregator
 *   of the table's stream (functions/counters/), which also keeps there the
 *   last sequence number it applied of each stream shard.
 * - other items that are no sessions (topic sets, the reconciliation's
 *   checkpoint), all under keys starting with RESERVED_KEY_PREFIX.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/** Which sessions table a reader or writer works on: its name, and the shards of its index partitions and counters. */
export type TableRef = { tableName: string; shards: number };

export type KeyAttribute = { name: string; type: 'S' | 'N' };

export type IndexDefinition = {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; nonKeyAttributes: readonly string[] };
};

/**
 * The attributes the list filters read, projected into the state index.
 * They change only when a connection starts or ends, never on a statistics
 * update, so the frequent statistics writes leave index entries untouched.
 */
export const NARROW_ATTRIBUTES = [
  'conn_key',
  'node',
  'username',
  'zone',
  'ip_address',
  'conn_state',
  'clean_start',
  'proto_name',
  'proto_ver',
  'connected_at',
  'created_at',
  'expires_at',
] as const;

export const SESSIONS_TABLE = {
  partitionKey: { name: 'clientid', type: 'S' } as KeyAttribute,
  /** Epoch seconds after which DynamoDB may delete the item (tombstones, long-expired sessions). */
  ttlAttribute: 'purge_at',
  /** The stream the counter aggregator reads: both images, so a change shows the state it left and the one it entered. */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  indexes: {
    /**
     * Sessions of one connection state, newest first; partition
     * `<conn_state>#<shard>`. Every live session is in exactly one state, so
     * all sessions, newest first, are the merge of every state's partitions.
     */
    byConnState: {
      indexName: 'by-conn-state',
      partitionKey: { name: 'state_pk', type: 'S' },
      sortKey: { name: 'order_key', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: NARROW_ATTRIBUTES },
    },
    /**
     * Live sessions of one username, newest first (sparse: sessions without
     * a username are not in it); partition `<shard>#<username>`, so a big
     * tenant's writes spread over the shards like every other index. Keys
     * only: its keys change only when a session begins or ends (its username
     * and creation time), so a disconnect or resume of a persistent session
     * leaves its entry alone; the list checks its filters on full items.
     */
    byUsername: {
      indexName: 'by-username-key',
      partitionKey: { name: 'user_pk', type: 'S' },
      sortKey: { name: 'order_key', type: 'S' },
      projection: { type: 'KEYS_ONLY' },
    },
    /**
     * Offline persistent sessions by expiry time (sparse); partition
     * `exp#<shard>`. Serves the expiry sweep and the exact count of sessions
     * that have expired but are still counted.
     */
    byExpiry: {
      indexName: 'by-expiry',
      partitionKey: { name: 'expiry_pk', type: 'S' },
      sortKey: { name: 'expires_at', type: 'N' },
      projection: { type: 'KEYS_ONLY' },
    },
  } satisfies Record<string, IndexDefinition>,
} as const;

export const SESSION_INDEXES: readonly IndexDefinition[] = Object.values(SESSIONS_TABLE.indexes);

/**
 * The username index as tables deployed before `by-username-key` have it,
 * with the narrow attributes projected (rewritten on every disconnect and
 * resume). Nothing reads or defines it any more but the transitional deploy
 * (infra/aws/DEPLOY.md, "Upgrading"), which keeps it while its successor is
 * added: one stack update may add or delete one index, not both.
 */
export const RETIRED_USERNAME_INDEX: IndexDefinition = {
  indexName: 'by-username',
  partitionKey: SESSIONS_TABLE.indexes.byUsername.partitionKey,
  sortKey: SESSIONS_TABLE.indexes.byUsername.sortKey,
  projection: { type: 'INCLUDE', nonKeyAttributes: NARROW_ATTRIBUTES },
};

/** The attributes an index's entries hold: its keys, the table's key, and what it projects. */
export function heldAttributes(index: IndexDefinition): ReadonlySet<string> {
  const projected = index.projection.type === 'INCLUDE' ? index.projection.nonKeyAttributes : [];
  return new Set([SESSIONS_TABLE.partitionKey.name, index.partitionKey.name, index.sortKey.name, ...projected]);
}

/**
 * Counter shards live in the table under keys no MQTT client can have: MQTT
 * forbids U+0000 in a client identifier.
 */
export const COUNTER_KEY_PREFIX = '\u0000counter#';

/** Every key that is not a session's starts with U+0000, which MQTT forbids in a client identifier. */
export const RESERVED_KEY_PREFIX = '\u0000';
export const isSessionKey = (key: string) => !key.startsWith(RESERVED_KEY_PREFIX);

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

/** The CreateTable request for the sessions table (on-demand billing). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [SESSIONS_TABLE.partitionKey, ...SESSION_INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, key);
  }
  const AttributeDefinitions: AttributeDefinition[] = [...attributes.values()].map((a) => ({
    AttributeName: a.name,
    AttributeType: a.type,
  }));
  const GlobalSecondaryIndexes: GlobalSecondaryIndex[] = SESSION_INDEXES.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection:
      index.projection.type === 'INCLUDE'
        ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.nonKeyAttributes] }
        : { ProjectionType: 'KEYS_ONLY' },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(SESSIONS_TABLE.partitionKey),
    AttributeDefinitions,
    GlobalSecondaryIndexes,
    StreamSpecification: { StreamEnabled: true, StreamViewType: SESSIONS_TABLE.streamViewType },
  };
}
