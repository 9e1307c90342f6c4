/**
 * One reconciliation run: makes the table agree with what a broker says it
 * holds. Sessions the table shows live that the broker does not hold are
 * ended; sessions the broker holds that the table lacks (or shows older) are
 * added; a connection the broker shows offline is disconnected; statistics
 * the broker lists are written where they changed. Every change goes through
 * the session writer's conditional writes, so events arriving meanwhile win
 * over the run's view wherever they are newer.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromItem } from '../sessions/item.js';
import { compareBytes, connKey } from '../sessions/keys.js';
import { STATISTICS_FIELDS, isLive, type LiveSession, type SessionRecord } from '../sessions/model.js';
import { applyEvent, ended } from '../sessions/reducer.js';
import { SessionStore, type LiveEntry } from '../sessions/store.js';
import type { TableRef } from '../sessions/table.js';
import { SessionWriter } from '../sessions/writer.js';
import type { BrokerSession, BrokerView } from '../sources/broker-view.js';

export type ReconcileOptions = {
  db: DynamoDBDocumentClient;
  table: TableRef;
  view: BrokerView;
  now?: () => number;
  /** Aborting it ends the run early; what it had not checked waits for the next run. */
  signal?: AbortSignal;
  /** Broker sessions one run reads at most; beyond it the run ends no session (it cannot know which are held). */
  maxSessions?: number;
  /** Writes in flight at once. */
  concurrency?: number;
  /**
   * The statistics each session was last seen with in the table, by clientid,
   * kept by the caller across runs: a session whose listed statistics match it
   * costs no read.
   */
  statisticsMemo?: Map<string, string>;
};

export type ReconcileReport = {
  source: string;
  /** Sessions the broker listed. */
  listed: number;
  /** Live sessions of the broker's nodes in the table. */
  inTable: number;
  /** Table sessions the broker does not hold, ended. */
  ended: number;
  /** Broker sessions the table lacked or showed with an older connection, written. */
  added: number;
  /** Connections the broker shows offline that the table showed connected. */
  disconnected: number;
  /** Statistics snapshots written because they changed. */
  statistics: number;
  /** Whether the run stopped early (time or size); no session was ended then. */
  truncated: boolean;
  /** Writes that failed (left to the next run). */
  failed: number;
  ms: number;
};

export const DEFAULT_MAX_SESSIONS = 1_000_000;

/** Sessions whose statistics are read at once (BatchGetItem requests of 100 in parallel). */
const STATISTICS_READ_BATCH = 1_000;

const statisticsSignature = (connKey: string, statistics: Record<string, number>) =>
  `${connKey}\n${STATISTICS_FIELDS.map((field) => statistics[field]).join(',')}`;


/** Whether `conn_key` names the broker's connection, to the precision its list gives connect times. */
function namesConnection(key: string, node: string, connectedAt: number, broker: BrokerSession, precisionMs: number): boolean {
  return node === broker.conn.node && Math.floor(connectedAt / precisionMs) === Math.floor(broker.conn.connected_at / precisionMs) && key.length > 0;
}

/** The connect time and node a conn_key names (`<13 digits>#<node>#<conn_id>`). */
function keyParts(key: string, node: string): { connectedAt: number; node: string } | undefined {
  const connectedAt = Number(key.slice(0, 13));
  return Number.isFinite(connectedAt) && key.slice(14).startsWith(`${node}#`) ? { connectedAt, node } : undefined;
}

/** The record the broker's view of a session stands for. */
function brokerRecord(broker: BrokerSession, now: number): SessionRecord | undefined {
  const fresh = applyEvent(undefined, { type: 'connected', conn: broker.conn });
  if (isLive(fresh)) {
    if (broker.subscriptions_cnt !== undefined) fresh.subscriptions_cnt = broker.subscriptions_cnt;
    if (broker.statistics) Object.assign(fresh, broker.statistics);
  }
  if (broker.conn_state === 'connected' || !fresh) return fresh;
  return applyEvent(fresh, { type: 'disconnected', conn: broker.conn, at: broker.disconnected_at ?? now }) ?? fresh;
}

async function pool<T>(items: readonly T[], concurrency: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && !signal.aborted) await work(items[next++]!);
    }),
  );
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { db, table, view } = options;
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const writer = new SessionWriter(db, table);
  const store = new SessionStore(db, table);
  const startedAt = now();
  const precision = view.connectedAtPrecisionMs;
  const report: ReconcileReport = {
    source: view.name,
    listed: 0,
    inTable: 0,
    ended: 0,
    added: 0,
    disconnected: 0,
    statistics: 0,
    truncated: false,
    failed: 0,
    ms: 0,
  };

  // 1. What the broker holds, read before the table: a session the table
  // gains after this point is newer than the list and is left alone.
  const held = new Map<string, BrokerSession>();
  for await (const session of view.sessions(signal)) {
    if (held.size >= maxSessions) {
      report.truncated = true;
      break;
    }
    held.set(session.conn.clientid, session);
  }
  if (signal.aborted) report.truncated = true;
  report.listed = held.size;

  // 2. What the table shows live on the broker's nodes.
  const entries = await store.liveEntries((node) => view.covers(node), signal);
  if (signal.aborted) report.truncated = true;
  report.inTable = entries.length;

  const count = async (key: 'ended' | 'added' | 'disconnected' | 'statistics', write: () => Promise<'applied' | 'ignored'>) => {
    try {
      if ((await write()) === 'applied') report[key]++;
    } catch {
      report.failed++;
    }
  };

  const ghosts: LiveEntry[] = [];
  const goneOffline: LiveEntry[] = [];
  const sameConnection: LiveEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const broker = held.get(entry.clientid);
    if (!broker) {
      if (entry.connected_at < startedAt) ghosts.push(entry);
      continue;
    }
    seen.add(entry.clientid);
    if (namesConnection(entry.conn_key, entry.node, entry.connected_at, broker, precision)) {
      if (entry.conn_state === 'connected' && broker.conn_state === 'disconnected') goneOffline.push(entry);
      if (broker.statistics) sameConnection.push(entry);
    } else if (broker.conn.connected_at > entry.connected_at) {
      seen.delete(entry.clientid);
    }
  }

  // 3. Sessions the broker holds that the table lacks, shows ended or shows older.
  const missing = [...held.values()].filter((broker) => !seen.has(broker.conn.clientid));
  await pool(missing, options.concurrency ?? 16, signal, (broker) =>
    count('added', () =>
      writer.mutate(broker.conn.clientid, (current) => {
        if (current === undefined) return brokerRecord(broker, startedAt);
        if (current.conn_state === null) {
          const parts = keyParts(current.conn_key, broker.conn.node);
          // The broker still holds the very connection the table ended before the list was read: it is not over.
          if (parts && namesConnection(current.conn_key, parts.node, parts.connectedAt, broker, precision)) {
            return current.ended_at < startedAt ? brokerRecord(broker, startedAt) : undefined;
          }
        } else if (namesConnection(current.conn_key, current.node, current.connected_at, broker, precision)) {
          return undefined;
        }
        if (compareBytes(current.conn_key, connKey(broker.conn)) >= 0) return undefined;
        const connectedNow = applyEvent(current, { type: 'connected', conn: broker.conn });
        if (!connectedNow || broker.conn_state === 'connected') return connectedNow;
        return applyEvent(connectedNow, { type: 'disconnected', conn: broker.conn, at: broker.disconnected_at ?? startedAt }) ?? connectedNow;
      }),
    ),
  );

  // 4. Connections the broker shows offline.
  await pool(goneOffline, options.concurrency ?? 16, signal, (entry) =>
    count('disconnected', () =>
      writer.mutate(entry.clientid, (current) =>
        isLive(current) && current.conn_key === entry.conn_key && current.conn_state === 'connected'
          ? applyEvent(current, { type: 'disconnected', conn: current, at: held.get(entry.clientid)?.disconnected_at ?? startedAt })
          : undefined,
      ),
    ),
  );

  // 5. Sessions the broker does not hold: only a complete list can say so, and a view whose list can skip confirms each.
  if (!report.truncated && !signal.aborted) {
    await pool(ghosts, options.concurrency ?? 16, signal, async (entry) => {
      if (view.lookup) {
        try {
          // Held after all (or held anew): the next run's list will show it.
          if (await view.lookup(entry.clientid, signal)) return;
        } catch {
          report.failed++;
          return;
        }
      }
      await count('ended', () =>
        writer.mutate(entry.clientid, (current) =>
          isLive(current) && current.conn_key === entry.conn_key ? ended(current, startedAt, 'disconnected') : undefined,
        ),
      );
    });
  }

  // 6. Statistics, written only where they changed. What the table holds is
  // known from the memo of earlier runs (a warm function keeps it), else read
  // (a read costs a tenth of a write), in bounded batches.
  const memo = options.statisticsMemo;
  const toCheck = sameConnection.filter((entry) => {
    const listed = held.get(entry.clientid)?.statistics;
    return listed !== undefined && memo?.get(entry.clientid) !== statisticsSignature(entry.conn_key, listed);
  });
  for (let start = 0; start < toCheck.length && !signal.aborted; start += STATISTICS_READ_BATCH) {
    const batch = toCheck.slice(start, start + STATISTICS_READ_BATCH);
    const items = await store.batchGetItems(batch.map((entry) => entry.clientid));
    const changed: Array<{ record: LiveSession; broker: BrokerSession }> = [];
    for (const entry of batch) {
      const record = fromItem(items.get(entry.clientid));
      const broker = held.get(entry.clientid)!;
      if (!isLive(record) || record.conn_key !== entry.conn_key) continue;
      if (STATISTICS_FIELDS.some((field) => record[field] !== broker.statistics![field])) changed.push({ record, broker });
      else memo?.set(entry.clientid, statisticsSignature(entry.conn_key, broker.statistics!));
    }
    await pool(changed, options.concurrency ?? 16, signal, async ({ record, broker }) => {
      await count('statistics', () => writer.apply({ type: 'statistics', conn: record, seq: startedAt, statistics: broker.statistics! }));
      memo?.set(record.clientid, statisticsSignature(record.conn_key, broker.statistics!));
    });
  }
  if (memo && memo.size > 2 * Math.max(held.size, 1)) {
    // Forget clients the broker no longer lists.
    for (const clientid of memo.keys()) if (!held.has(clientid)) memo.delete(clientid);
  }

  if (signal.aborted) report.truncated = true;
  report.ms = now() - startedAt;
  return report;
}
