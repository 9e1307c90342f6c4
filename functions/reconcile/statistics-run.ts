/**
 * A run that keeps the listed fields current and looks for nothing else: the
 * broker's list is read once, and each listed session's tracked statistics
 * (and, for a source whose events lack it, its persistence) are checked
 * against the memo and written where they changed, as in a full run's third
 * step. It walks no index: what the table lacks or holds too much (lost
 * events) waits for the next full run (reconcile.ts), which the handler
 * starts every RECONCILE_DRIFT_MINUTES. A warm run of a fleet where nothing
 * changed reads only what the memo does not know: sessions connected since
 * the last run.
 */
import { shardOf } from '../sessions/keys.js';
import { SessionStore } from '../sessions/store.js';
import { SessionWriter } from '../sessions/writer.js';
import { ListedFieldsCheck } from './listed-fields-check.js';
import { seedMemoFromTable } from './memo-scan.js';
import { DEFAULT_MAX_SESSIONS, startReport, type ReconcileOptions, type ReconcileReport } from './reconcile.js';
import { SessionChanges } from './session-changes.js';
import { StatisticsMemo } from './statistics-memo.js';

export async function refreshStatistics(options: ReconcileOptions): Promise<ReconcileReport> {
  const { db, table, view } = options;
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const memo = options.statisticsMemo ?? new StatisticsMemo();
  const { report, finish, count, startedAt } = startReport(view.name, now, signal);
  const precision = view.connectedAtPrecisionMs;
  const correctsPersistence = view.correctsPersistence === true;
  const allShards = Array.from({ length: table.shards }, (_, shard) => shard);
  const unknown = new Set(allShards.filter((shard) => !memo.has(shard)));
  if (unknown.size > 0) {
    try {
      await seedMemoFromTable({ db, table, memo, shards: unknown, precision, correctsPersistence, signal });
    } catch {
      // Without the prints, each listed session's fields are read instead.
      if (signal.aborted) return finish();
    }
  }
  const listedFields = new ListedFieldsCheck({
    store: new SessionStore(db, table),
    memo,
    changes: new SessionChanges(new SessionWriter(db, table), precision, startedAt, correctsPersistence),
    precision,
    correctsPersistence,
    concurrency: options.concurrency ?? 16,
    signal,
    count,
  });
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  // A session the table does not show with the listed connection is read, found other, and left to the full run.
  for await (const broker of view.sessions(signal)) {
    if (report.listed >= maxSessions) {
      report.truncated = true;
      break;
    }
    report.listed++;
    await listedFields.consider(broker, shardOf(broker.conn.clientid, table.shards));
  }
  await listedFields.flush();
  // Only a whole list says which prints are gone: a cut one keeps the memo as it was.
  if (report.truncated || signal.aborted) memo.discard();
  else memo.commit(allShards);
  return finish();
}
