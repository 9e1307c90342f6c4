/**
 * GET /clients: plans the cheapest access path for the filter, walks it just
 * far enough for the page and `hasnext`, and fills the page with full items.
 */
import { heldAttributes, SESSIONS_TABLE } from '../sessions/table.js';
import { fromItem, isIndexedUsername, statePartitionsHolding, usernamePartition, type Item } from '../sessions/item.js';
import { compareBytes, keyAfter, orderKey, orderKeyRange } from '../sessions/keys.js';
import { isLive, isVisible, type LiveSession, type SessionRecord } from '../sessions/model.js';
import type { IndexEntry, IndexWalk } from '../sessions/index-walk.js';
import type { SessionStore } from '../sessions/store.js';
import { failure } from '../failures.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { conditionsOf, filterKind, matches, toFilterExpression, type Condition } from './filter.js';
import { isUnavailableIndex } from './unavailable-index.js';
import type { ClientQuery } from './query-params.js';

export type ListMeta = { page: number; limit: number; hasnext: boolean; count: number; cursor?: string };
/** One page of sessions, for a dialect to render. */
export type SessionPage = { sessions: LiveSession[]; meta: ListMeta };

/** Without a cursor secret, a page carries no `meta.cursor`. */
export type ListContext = {
  store: SessionStore;
  cursorSecret?: string;
  now: number;
  /**
   * Epoch ms after which an index walk starts no new reads: the page then
   * holds the rows found so far, with `hasnext` and a cursor that continues
   * where the walk stopped. Unset: the walk goes until the page is full.
   */
  walkUntil?: number;
};

/**
 * Where the rows come from. An index walk whose entries cannot show all the
 * filter (`residual`) or whether a session has expired (`checksItems`) checks
 * its entries on full items fetched along the walk.
 */
export type AccessPath =
  | { kind: 'keys'; clientids: string[]; conditions: Condition[] }
  | { kind: 'index'; walk: Omit<IndexWalk, 'expected'>; residual: Condition[]; checksItems: boolean; conditions: Condition[] };

type IndexPath = Extract<AccessPath, { kind: 'index' }>;

/** A session as the ordering and the filters see it. */
type Row = { key: string; entry: Item };

/**
 * A username filter walks the username index when it names few enough
 * partitions (every username on every shard) and each username is indexed.
 */
export const MAX_USERNAME_PARTITIONS = 64;
const usesUsernameIndex = (usernames: readonly string[], shards: number) =>
  usernames.length * shards <= MAX_USERNAME_PARTITIONS && usernames.every(isIndexedUsername);

export type PlanOptions = {
  /** False while the username index is not there to read (being added: DEPLOY.md, "Upgrading"). */
  usernameIndex?: boolean;
};

export function planAccess(query: ClientQuery, shards: number, now: number, after: string | undefined, options: PlanOptions = {}): AccessPath {
  const { filter } = query;
  if (filter.clientids) {
    return { kind: 'keys', clientids: filter.clientids, conditions: conditionsOf(filter, { includeCreatedAt: true }) };
  }
  const range = orderKeyRange(filter.created_at?.gte, filter.created_at?.lte);
  const low = after !== undefined && compareBytes(keyAfter(after), range.low) > 0 ? keyAfter(after) : range.low;
  const conditions = conditionsOf(filter, { includeCreatedAt: false });
  const shardList = Array.from({ length: shards }, (_, shard) => shard);
  const byUsername = filter.usernames !== undefined && options.usernameIndex !== false && usesUsernameIndex(filter.usernames, shards);
  const byState = !byUsername && filter.conn_state !== undefined;
  const index = byUsername ? SESSIONS_TABLE.indexes.byUsername : SESSIONS_TABLE.indexes.byConnState;
  const held = heldAttributes(index);
  // The partition already fixes the username; a session that outlives its connections keeps its partition in either state.
  const open = conditions.filter((c) => !(byUsername && c.op === 'in' && c.attr === 'username'));
  const onEntries = open.filter((c) => held.has(c.attr));
  const residual = open.filter((c) => !held.has(c.attr));
  const entriesShowExpiry = held.has('expires_at');
  return {
    kind: 'index',
    conditions,
    residual,
    checksItems: residual.length > 0 || !entriesShowExpiry,
    walk: {
      index,
      partitions: byUsername
        ? filter.usernames!.flatMap((username) => shardList.map((shard) => usernamePartition(username, shard)))
        : // Without a state to select, the walk merges every partition: all sessions, in one order.
          statePartitionsHolding(byState ? filter.conn_state : undefined, shards),
      low,
      high: range.high,
      filter: entriesShowExpiry || onEntries.length > 0 ? toFilterExpression(onEntries, entriesShowExpiry ? now : undefined) : undefined,
    },
  };
}

/** Rows of the keys path: the named sessions that match, in order. */
async function keyRows(store: SessionStore, path: Extract<AccessPath, { kind: 'keys' }>, now: number, after: string | undefined) {
  const records = await store.batchGet(path.clientids);
  const rows: Row[] = [];
  for (const record of records.values()) {
    if (!isVisible(record, now) || !matches(record, path.conditions)) continue;
    const key = orderKey(record.created_at, record.clientid);
    if (after !== undefined && compareBytes(key, after) <= 0) continue;
    rows.push({ key, entry: record });
  }
  return rows.sort((a, b) => compareBytes(a.key, b.key));
}

/**
 * Takes matching rows from an index walk: `skip` of them, then `take`.
 * Conditions on attributes only the full item has, and whether the session
 * is still visible, are checked on full items, fetched in batches as the walk goes.
 */
async function indexRows(
  store: SessionStore,
  path: IndexPath,
  skip: number,
  take: number,
  now: number,
  walkUntil?: number,
): Promise<{ rows: Row[]; fullItems: Map<string, Item>; stoppedAt?: string; skipped: number }> {
  const wanted = skip + take;
  let stoppedAt: string | undefined;
  const budget = walkUntil !== undefined ? { budget: { until: walkUntil, stopped: (at: string) => (stoppedAt = at) } } : {};
  const walk = store.walkIndex({ ...path.walk, expected: wanted, ...budget });
  const rows: Row[] = [];
  const fullItems = new Map<string, Item>();
  let seen = 0;
  if (!path.checksItems) {
    for await (const entry of walk) {
      if (seen++ >= skip) rows.push({ key: entry.order_key, entry });
      if (seen >= wanted) break;
    }
    return { rows, fullItems, stoppedAt, skipped: Math.min(seen, skip) };
  }
  let batch: IndexEntry[] = [];
  const flush = async () => {
    const items = await store.batchGetItems(batch.map((e) => e.clientid));
    for (const entry of batch) {
      const item = items.get(entry.clientid);
      // Every condition, not only the residual ones: the entry may predate a change of the item.
      if (!item || !isVisible(fromItem(item), now) || !matches(item, path.conditions) || seen >= wanted) continue;
      if (seen++ >= skip) {
        rows.push({ key: entry.order_key, entry });
        fullItems.set(entry.clientid, item);
      }
    }
    batch = [];
  };
  for await (const entry of walk) {
    batch.push(entry);
    if (batch.length >= Math.min(100, Math.max(wanted - seen, 10))) {
      const checkedThrough = entry.order_key;
      await flush();
      // Out of time between the walk's rounds: the entries checked so far are vetted, the next page goes on after them.
      if (seen < wanted && walkUntil !== undefined && Date.now() >= walkUntil) {
        stoppedAt = checkedThrough;
        break;
      }
    }
    if (seen >= wanted) break;
  }
  if (batch.length > 0 && seen < wanted) await flush();
  return { rows, fullItems, stoppedAt, skipped: Math.min(seen, skip) };
}

/**
 * The exact count where the counters give it (no filter, `conn_state`,
 * `node`, or both), else -1 as EMQX 4. A node's count comes from its own
 * counters, which still hold sessions expired since the last sweep.
 */
async function exactCount(store: SessionStore, query: ClientQuery, now: number): Promise<number> {
  const { node, conn_state: state, ...others } = query.filter;
  if (Object.keys(others).length > 0) return -1;
  if (node !== undefined) {
    const counts = (await store.countByNode()).get(node);
    if (!counts) return 0;
    const counted = state !== undefined ? counts[state] : counts.connected + counts.idle + counts.disconnected;
    return Math.max(counted, 0);
  }
  const kind = filterKind(query.filter);
  const needsExpiry = kind === 'none' || state === 'disconnected';
  const [byState, expired] = await Promise.all([
    store.countByState(),
    needsExpiry ? store.countExpiredUnswept(now) : Promise.resolve(0),
  ]);
  const counted = kind === 'none' ? byState.connected + byState.idle + byState.disconnected : byState[state!];
  return Math.max(counted - expired, 0);
}

/** What an entry of the state index holds: the projected attributes and the keys. */
const INDEX_HELD = heldAttributes(SESSIONS_TABLE.indexes.byConnState);

/** Whether the index entries alone can show these fields (`connected` is conn_state as the client object shows it). */
export function servedByIndex(fields: readonly string[] | undefined): boolean {
  return fields !== undefined && fields.every((field) => field === 'connected' || INDEX_HELD.has(field));
}

/**
 * A session as its index entry holds it. The attributes the entry does not
 * hold are left out rather than given made-up values (`disconnected_at` is
 * null), so a renderer that shows more than was asked shows nothing wrong.
 */
function sessionOfEntry(entry: Item): SessionRecord | undefined {
  const record = fromItem(entry);
  if (!isLive(record)) return record;
  const held = Object.entries(record).filter(([name]) => INDEX_HELD.has(name));
  return { ...Object.fromEntries(held), disconnected_at: null } as LiveSession;
}

export async function listSessions(context: ListContext, query: ClientQuery): Promise<SessionPage> {
  const { store, now } = context;
  if (query.impossible) return { sessions: [], meta: { page: query.page, limit: query.limit, hasnext: false, count: -1 } };
  const position =
    query.cursor !== undefined && context.cursorSecret !== undefined ? decodeCursor(context.cursorSecret, query.filter, query.cursor) : undefined;
  const page = position?.page ?? query.page;
  const skip = position ? 0 : (query.page - 1) * query.limit;
  const planned = planAccess(query, store.table.shards, now, position?.after);
  const take = query.limit + 1;

  const [{ path, rows, fullItems, stoppedAt, skipped }, count] = await Promise.all([
    planned.kind === 'keys'
      ? keyRows(store, planned, now, position?.after).then((all) => ({
          path: planned,
          rows: all.slice(skip, skip + take),
          fullItems: new Map<string, Item>(all.map((r) => [r.entry.clientid as string, r.entry])),
          stoppedAt: undefined,
          skipped: skip,
        }))
      : indexRows(store, planned, skip, take, now, context.walkUntil).then(
          (found) => ({ path: planned as AccessPath, ...found }),
          async (error: unknown) => {
            // The username index is being added (DEPLOY.md, "Upgrading"): walk all sessions for the username meanwhile.
            if (planned.walk.index !== SESSIONS_TABLE.indexes.byUsername || !isUnavailableIndex(error)) throw error;
            const fallback = planAccess(query, store.table.shards, now, position?.after, { usernameIndex: false }) as IndexPath;
            return { path: fallback as AccessPath, ...(await indexRows(store, fallback, skip, take, now, context.walkUntil)) };
          },
        ),
    exactCount(store, query, now),
  ]);
  // Out of time before the offset page began: an offset cannot say where to go on from.
  if (stoppedAt !== undefined && skipped < skip) throw failure('offset-too-deep');

  const stoppedEarly = stoppedAt !== undefined && rows.length <= query.limit;
  const hasnext = rows.length > query.limit || stoppedEarly;
  const pageRows = rows.slice(0, query.limit);
  // A lean page: every field asked for is in the index entries just walked, so no full item is read.
  const lean = path.kind === 'index' && !path.checksItems && servedByIndex(query.fields);
  const missing = lean ? [] : pageRows.map((r) => r.entry.clientid as string).filter((id) => !fullItems.has(id));
  if (missing.length > 0) {
    for (const [id, item] of await store.batchGetItems(missing)) fullItems.set(id, item);
  }
  const sessions: LiveSession[] = [];
  for (const row of pageRows) {
    const record = lean ? sessionOfEntry(row.entry) : fromItem(fullItems.get(row.entry.clientid as string));
    // The index is eventually consistent: drop a session that changed so that it no longer matches.
    if (isVisible(record, now) && matches(record, path.conditions)) sessions.push(record);
  }
  const meta: ListMeta = { page, limit: query.limit, hasnext, count };
  const last = pageRows.at(-1);
  // A page cut short by the time budget goes on after what the walk vetted, which may lie past its last row.
  const after = stoppedEarly ? stoppedAt : last?.key;
  if (hasnext && after !== undefined && context.cursorSecret !== undefined) {
    meta.cursor = encodeCursor(context.cursorSecret, query.filter, { after, page: page + 1 });
  }
  return { sessions, meta };
}
