/**
 * One reconciliation run: makes the table agree with what a broker says it
 * holds, in memory bounded whatever the fleet's size.
 *
 * 1. The broker's list is read once into a compact key set (8 bytes a
 *    session: the clientid's hash and its connection's).
 * 2. The table's live sessions are read shard by shard, page by page, from
 *    the narrow state index and matched against the set: a session the broker
 *    does not list is a ghost, ended once the broker confirms it does not hold
 *    it; a connection the broker lists offline is noted. Shards not reached
 *    within the run's time wait for the next run, which starts there: the
 *    checkpoint lives in the table (checkpoint.ts), read at the start of a run
 *    and moved at its end, so cold starts continue too.
 * 3. The broker's list is read again: for the shards checked, a session whose
 *    connection the table did not show is added; a noted offline one is
 *    disconnected; tracked statistics (and, for a source whose events do not
 *    report it, the persistence) are written where they changed.
 *
 * Every change goes through the session writer's conditional writes, so
 * events arriving meanwhile win over the run's view wherever they are newer.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { shardOf } from '../sessions/keys.js';
import { SessionStore, type LiveEntry } from '../sessions/store.js';
import type { TableRef } from '../sessions/table.js';
import { SessionWriter } from '../sessions/writer.js';
import type { BrokerSession, BrokerView } from '../sources/broker-view.js';
import { Batches, pool } from './batches.js';
import { CheckpointStore } from './checkpoint.js';
import { clientPrefix, heldKey } from './fingerprint.js';
import { KeySet } from './key-set.js';
import { SessionChanges } from './session-changes.js';
import { ListedFieldsCheck } from './listed-fields-check.js';
import { seedMemoFromTable } from './memo-scan.js';
import { StatisticsMemo } from './statistics-memo.js';

export type ReconcileOptions = {
  db: DynamoDBDocumentClient;
  table: TableRef;
  view: BrokerView;
  now?: () => number;
  /** Aborting it ends the run early; what it had not checked waits for the next run. */
  signal?: AbortSignal;
  /** The run's time: no shard is started after half of it, so that the second read of the list fits. */
  budgetMs?: number;
  /** Broker sessions one run reads at most; beyond it the run changes nothing (it cannot know which are held). */
  maxSessions?: number;
  /** Writes in flight at once. */
  concurrency?: number;
  /** The tracked statistics the table is known to hold, kept by the caller across runs. */
  statisticsMemo?: StatisticsMemo;
};

export type ReconcileReport = {
  source: string;
  /** Sessions the broker listed. */
  listed: number;
  /** Live sessions of the broker's nodes in the table shards read. */
  inTable: number;
  /** Table shards checked in full. */
  shards: number;
  /** Table sessions the broker does not hold, ended. */
  ended: number;
  /** Broker sessions the table lacked or showed with another connection, written. */
  added: number;
  /** Connections the broker shows offline that the table showed connected. */
  disconnected: number;
  /** Statistics snapshots written because their tracked fields changed. */
  statistics: number;
  /** Sessions whose clean_start / expiry_interval the list corrected (sources whose events lack them). */
  corrected: number;
  /** Whether the run stopped early (time, size, or shards left for the next run). */
  truncated: boolean;
  /** The shard the next run starts at (the stored checkpoint, moved by this run or not). */
  nextShard: number;
  /** Writes that failed (left to the next run). */
  failed: number;
  ms: number;
};

export const DEFAULT_MAX_SESSIONS = 20_000_000;

type CountedChange = 'ended' | 'added' | 'disconnected' | 'statistics' | 'corrected';

/**
 * The report of a run that has changed nothing yet; `count` adds a write's
 * outcome to it (a failed write is counted, not thrown: the next run repairs
 * it), `finish` closes it.
 */
export function startReport(source: string, now: () => number, signal: AbortSignal) {
  const startedAt = now();
  const report: ReconcileReport = {
    source,
    ...{ listed: 0, inTable: 0, shards: 0, ended: 0, added: 0, disconnected: 0, statistics: 0, corrected: 0, truncated: false, nextShard: 0, failed: 0, ms: 0 },
  };
  const finish = () => {
    if (signal.aborted) report.truncated = true;
    report.ms = now() - startedAt;
    return report;
  };
  const count = async (key: CountedChange, write: () => Promise<'applied' | 'ignored'>) => {
    try {
      if ((await write()) === 'applied') report[key]++;
    } catch {
      report.failed++;
    }
  };
  return { report, finish, count, startedAt };
}

/** Pieces of work gathered before they run. */
const BATCH = 1_000;
/** Table sessions one run notes for its second read of the list, at most; beyond them, the next run. */
const NOTED_MAX = 100_000;

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { db, table, view } = options;
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const concurrency = options.concurrency ?? 16;
  const checkpoints = new CheckpointStore(db, table, view.name);
  const memo = options.statisticsMemo ?? new StatisticsMemo();
  const store = new SessionStore(db, table);
  const { report, finish, count, startedAt } = startReport(view.name, now, signal);
  const precision = view.connectedAtPrecisionMs;
  const correctsPersistence = view.correctsPersistence === true;
  const changes = new SessionChanges(new SessionWriter(db, table), precision, startedAt, correctsPersistence);
  const endGhost = async (entry: LiveEntry) => {
    if (view.lookup) {
      try {
        // Held after all (or held anew): the next run's list will show it.
        if (await view.lookup(entry.clientid, signal)) return;
      } catch {
        report.failed++;
        return;
      }
    }
    await count('ended', () => changes.end(entry));
  };

  const checkpoint = await checkpoints.read();
  report.nextShard = checkpoint.nextShard;

  // 1. What the broker holds, read before the table: a session the table
  // gains after this point is newer than the list and is left alone.
  const held = new KeySet();
  for await (const session of view.sessions(signal)) {
    if (held.size >= maxSessionsOf(options)) {
      report.truncated = true;
      break;
    }
    held.add(heldKey(session.conn, session.conn_state, precision));
  }
  report.listed = held.size;
  // Only a complete list can say what the broker does not hold.
  if (report.truncated || signal.aborted) return finish();
  held.seal();

  // 2. The table, shard by shard, from the checkpoint.
  const offline = new Map<string, string>();
  const unmatched = new Map<string, LiveEntry>();
  const ghosts = new Batches<LiveEntry>(BATCH, (batch) => pool(batch, concurrency, signal, endGhost));
  const checked = new Set<number>();
  const classify = async (entry: LiveEntry) => {
    const conn = { clientid: entry.clientid, node: entry.node, connected_at: entry.connected_at };
    if (held.mark(heldKey(conn, 'connected', precision))) return;
    if (held.mark(heldKey(conn, 'disconnected', precision))) {
      if (entry.conn_state === 'connected' && offline.size < NOTED_MAX) offline.set(entry.clientid, entry.conn_key);
      return;
    }
    if (entry.connected_at >= startedAt) return;
    // Listed with another connection (or a clientid sharing its hash): the second read tells.
    if (held.hasPrefix(clientPrefix(entry.clientid))) {
      if (unmatched.size < NOTED_MAX) unmatched.set(entry.clientid, entry);
      return;
    }
    await ghosts.push(entry);
  };
  const walkUntil = options.budgetMs === undefined ? Infinity : startedAt + options.budgetMs / 2;
  for (let i = 0; i < table.shards && !signal.aborted; i++) {
    if (i > 0 && now() >= walkUntil) break;
    const shard = (checkpoint.nextShard + i) % table.shards;
    for await (const page of store.liveEntryPages(shard, (node) => view.covers(node), signal)) {
      report.inTable += page.length;
      for (const entry of page) await classify(entry);
    }
    await ghosts.flush();
    if (signal.aborted) break;
    checked.add(shard);
  }
  report.shards = checked.size;
  if (checked.size < table.shards) report.truncated = true;
  if (checked.size === 0) return finish();

  // 3. The list again, for the shards checked: first, what the table holds of
  // the fields kept current, where no earlier run of this function left a memo.
  const unknown = new Set([...checked].filter((shard) => !memo.has(shard)));
  if (unknown.size > 0) {
    try {
      await seedMemoFromTable({ db, table, memo, shards: unknown, precision, correctsPersistence, signal });
    } catch {
      // Without the prints, each listed session's fields are read instead.
      if (signal.aborted) return finish();
    }
  }
  const writes = new Batches<() => Promise<void>>(BATCH, (batch) => pool(batch, concurrency, signal, (write) => write()));
  const listedFields = new ListedFieldsCheck({ store, memo, changes, precision, correctsPersistence, concurrency, signal, count });
  const onListed = async (broker: BrokerSession) => {
    const { clientid } = broker.conn;
    const shard = shardOf(clientid, table.shards);
    if (!checked.has(shard)) return;
    unmatched.delete(clientid);
    if (!held.isMarked(heldKey(broker.conn, broker.conn_state, precision))) {
      await writes.push(() => count('added', () => changes.add(broker)));
      return;
    }
    const inTable = offline.get(clientid);
    if (inTable !== undefined && broker.conn_state === 'disconnected') {
      offline.delete(clientid);
      await writes.push(() => count('disconnected', () => changes.disconnect(broker, inTable)));
    }
    await listedFields.consider(broker, shard);
  };
  for await (const broker of view.sessions(signal)) await onListed(broker);
  await writes.flush();
  await listedFields.flush();
  if (signal.aborted) {
    memo.discard();
    return finish();
  }
  // Table sessions whose client neither list showed again with their connection.
  const unlisted = [...unmatched.values()].filter((entry) => checked.has(shardOf(entry.clientid, table.shards)));
  await pool(unlisted, concurrency, signal, endGhost);
  memo.commit(checked);
  // The shards checked are done; a run that checked them all leaves the checkpoint (and writes nothing).
  const nextShard = (checkpoint.nextShard + checked.size) % table.shards;
  if (nextShard !== checkpoint.nextShard && (await checkpoints.move(checkpoint, nextShard))) report.nextShard = nextShard;
  return finish();
}

function maxSessionsOf(options: ReconcileOptions): number {
  return options.maxSessions ?? DEFAULT_MAX_SESSIONS;
}
