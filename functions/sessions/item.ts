/** Session records to and from DynamoDB items, with the index keys derived from the record. */
import { COUNTER_KEY_PREFIX, isSessionKey, SESSIONS_TABLE } from './table.js';
import { orderKey, shardOf } from './keys.js';
import {
  CONN_STATES,
  BASE_STATISTICS_FIELDS,
  QOS_COUNTER_FIELDS,
  type Statistics,
  ZERO_STATISTICS,
  isPersistent,
  type ConnectionInfo,
  type ConnState,
  type LiveSession,
  type ProtoName,
  type SessionRecord,
  type TerminationReason,
} from './model.js';

export type Item = Record<string, unknown>;

/**
 * DynamoDB's TTL deletes a tombstone a day after the session ended, and an
 * offline session a day after it expired: by then the expiry sweep has ended
 * it (and uncounted it) in a transaction, so TTL only collects what is left.
 */
export const PURGE_GRACE_SECONDS = 24 * 60 * 60;

/**
 * Partitions of the state index. A session that ends with its connection
 * (expiry interval 0) is kept under `connected#<shard>`. A session that
 * outlives its connections is kept under `disconnected#<shard>`, connected or
 * offline: its disconnect and its resume rewrite its entry in place (1 write
 * unit) instead of moving it between partitions (2). The prefixes are the
 * state names of the layout before it, which kept each state apart, so the
 * entries of a deployed table need no migration: an offline session is under
 * `disconnected#` in both, and a connected one, wherever it is, is found by a
 * walk of both partitions filtered on `conn_state`.
 */
export const STATE_INDEX_PREFIXES = { endsWithConnection: 'connected', outlivesConnection: 'disconnected' } as const;
const ALL_STATE_PREFIXES = Object.values(STATE_INDEX_PREFIXES);
const partitionOf = (prefix: string, shard: number) => `${prefix}#${shard}`;

/** Both state-index partitions of one shard: every live session of the shard is in one of them. */
export const shardStatePartitions = (shard: number) => ALL_STATE_PREFIXES.map((prefix) => partitionOf(prefix, shard));

/** The state-index partition of a live session. */
export function statePartition(session: Pick<ConnectionInfo, 'expiry_interval'>, shard: number): string {
  return partitionOf(isPersistent(session) ? STATE_INDEX_PREFIXES.outlivesConnection : STATE_INDEX_PREFIXES.endsWithConnection, shard);
}

/**
 * The state-index partitions that can hold sessions in `state`, or every
 * live session when `state` is undefined. No writer stores `idle`: no
 * partition holds it.
 */
export function statePartitionsHolding(state: ConnState | undefined, shards: number): string[] {
  if (state === 'idle') return [];
  const prefixes: readonly string[] = state === 'disconnected' ? [STATE_INDEX_PREFIXES.outlivesConnection] : ALL_STATE_PREFIXES;
  return prefixes.flatMap((prefix) => Array.from({ length: shards }, (_, shard) => partitionOf(prefix, shard)));
}
export const usernamePartition = (username: string, shard: number) => `${shard}#${username}`;
/** A username whose partition key would pass DynamoDB's 2048-byte limit is left out of the username index. */
export const MAX_INDEXED_USERNAME_BYTES = 2000;
export const isIndexedUsername = (username: string) => Buffer.byteLength(username, 'utf8') <= MAX_INDEXED_USERNAME_BYTES;
export const expiryPartition = (shard: number) => `exp#${shard}`;
export const counterKey = (shard: number) => `${COUNTER_KEY_PREFIX}${shard}`;
/** A counter shard's count of one node's sessions in one state: `node:<state>:<node>`. */
export const NODE_COUNTER_PREFIX = 'node:';
export const nodeCounterName = (node: string, state: ConnState) => `${NODE_COUNTER_PREFIX}${state}:${node}`;

/** The Query (less its table name) of one shard's offline sessions whose expiry is at or before `now`. */
export function expiredSessionsQuery(shard: number, now: number) {
  const index = SESSIONS_TABLE.indexes.byExpiry;
  return {
    IndexName: index.indexName,
    KeyConditionExpression: '#pk = :pk AND #exp <= :now',
    ExpressionAttributeNames: { '#pk': index.partitionKey.name, '#exp': index.sortKey.name },
    ExpressionAttributeValues: { ':pk': expiryPartition(shard), ':now': now },
  };
}

/**
 * The per-QoS counters live in one list attribute, in QOS_COUNTER_FIELDS
 * order: eleven named attributes would add about 200 bytes to every item
 * and push a statistics update past one write unit.
 */
export const QOS_COUNTERS_ATTRIBUTE = 'qos_counters';
const QOS_COUNTERS: ReadonlySet<string> = new Set(QOS_COUNTER_FIELDS);
export const qosCounterList = (statistics: Pick<Statistics, (typeof QOS_COUNTER_FIELDS)[number]>) =>
  QOS_COUNTER_FIELDS.map((field) => statistics[field]);

/**
 * Marks an item as written by a writer whose changes the stream counts. A
 * writer of before the counters came from the stream moved them in its own
 * transaction: its changes, still in the stream while an upgrade rolls out,
 * must not count twice.
 */
export const STREAM_COUNTED_ATTRIBUTE = 'stream_counted';

/** The item for a record, with `rev` as its revision for optimistic locking. */
export function toItem(record: SessionRecord, shards: number, rev: number): Item {
  if (record.conn_state === null) {
    return {
      clientid: record.clientid,
      conn_key: record.conn_key,
      ended_at: record.ended_at,
      ended_reason: record.ended_reason,
      purge_at: Math.ceil(record.ended_at / 1000) + PURGE_GRACE_SECONDS,
      rev,
      [STREAM_COUNTED_ATTRIBUTE]: true,
    };
  }
  const shard = shardOf(record.clientid, shards);
  const item: Item = { rev, [STREAM_COUNTED_ATTRIBUTE]: true };
  for (const [name, value] of Object.entries(record)) {
    if (value !== null && value !== undefined && !QOS_COUNTERS.has(name)) item[name] = value;
  }
  item[QOS_COUNTERS_ATTRIBUTE] = qosCounterList(record);
  item.state_pk = statePartition(record, shard);
  if (record.username !== null && record.username !== '' && isIndexedUsername(record.username)) {
    item.user_pk = usernamePartition(record.username, shard);
  }
  item.order_key = orderKey(record.created_at, record.clientid);
  if (record.expires_at !== null) {
    item.expiry_pk = expiryPartition(shard);
    item.purge_at = Math.ceil(record.expires_at / 1000) + PURGE_GRACE_SECONDS;
  }
  return item;
}

const num = (value: unknown, fallback = 0) => (typeof value === 'number' ? value : fallback);
const str = (value: unknown) => (typeof value === 'string' ? value : null);

/** The record an item holds; `undefined` for anything that is not a session (counter shards, topic sets, checkpoints). */
export function fromItem(item: Item | undefined): SessionRecord | undefined {
  if (!item || typeof item.clientid !== 'string' || !isSessionKey(item.clientid)) return undefined;
  if (typeof item.conn_key !== 'string') return undefined;
  const state = item.conn_state;
  if (typeof state !== 'string' || !(CONN_STATES as readonly string[]).includes(state)) {
    return {
      clientid: item.clientid,
      conn_key: item.conn_key,
      conn_state: null,
      ended_at: num(item.ended_at),
      ended_reason: (str(item.ended_reason) ?? 'disconnected') as TerminationReason,
    };
  }
  const session: LiveSession = {
    clientid: item.clientid,
    node: str(item.node) ?? '',
    conn_id: str(item.conn_id) ?? '',
    connected_at: num(item.connected_at),
    created_at: num(item.created_at),
    username: str(item.username),
    zone: str(item.zone) ?? '',
    ip_address: str(item.ip_address) ?? '',
    port: num(item.port),
    proto_name: (str(item.proto_name) ?? 'MQTT') as ProtoName,
    proto_ver: num(item.proto_ver),
    keepalive: num(item.keepalive),
    clean_start: item.clean_start === true,
    expiry_interval: num(item.expiry_interval),
    is_bridge: item.is_bridge === true,
    mountpoint: str(item.mountpoint),
    max_subscriptions: num(item.max_subscriptions),
    max_inflight: num(item.max_inflight),
    max_mqueue: num(item.max_mqueue),
    max_awaiting_rel: num(item.max_awaiting_rel),
    conn_key: item.conn_key,
    conn_state: state as ConnState,
    disconnected_at: typeof item.disconnected_at === 'number' ? item.disconnected_at : null,
    expires_at: typeof item.expires_at === 'number' ? item.expires_at : null,
    subscriptions_cnt: num(item.subscriptions_cnt),
    subs_seq: num(item.subs_seq),
    stats_seq: num(item.stats_seq),
    ...ZERO_STATISTICS,
  };
  for (const field of BASE_STATISTICS_FIELDS) session[field] = num(item[field]);
  const counters = Array.isArray(item[QOS_COUNTERS_ATTRIBUTE]) ? (item[QOS_COUNTERS_ATTRIBUTE] as unknown[]) : [];
  QOS_COUNTER_FIELDS.forEach((field, i) => (session[field] = num(counters[i])));
  return session;
}
