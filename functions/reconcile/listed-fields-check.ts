/**
 * The fields a run keeps current on listed sessions, written only where they
 * changed: the tracked statistics, and the persistence (`clean_start`,
 * `expiry_interval`) of a source whose events do not report it. What the
 * table holds is known from the memo of earlier runs, else read in batches
 * (a read costs a tenth of a write).
 */
import { fromItem } from '../sessions/item.js';
import { isLive, type LiveSession } from '../sessions/model.js';
import type { SessionStore } from '../sessions/store.js';
import { namesConnection, type BrokerSession } from '../sources/broker-view.js';
import { Batches, pool } from './batches.js';
import { listedPrint, TRACKED_STATISTICS } from './fingerprint.js';
import type { SessionChanges } from './session-changes.js';
import type { StatisticsMemo } from './statistics-memo.js';

/** Sessions whose fields are read at once (BatchGetItem requests of 100 in parallel). */
const READ_BATCH = 1_000;
/** Batches read while the list goes on: a cold run reads every session, and the list need not wait for each batch. */
const BATCHES_IN_FLIGHT = 4;

type Listed = { broker: BrokerSession; shard: number; print: bigint };

export type ListedFieldsCheckOptions = {
  store: SessionStore;
  memo: StatisticsMemo;
  changes: SessionChanges;
  precision: number;
  /** Whether the list's persistence stands over the table's (BrokerView.correctsPersistence). */
  correctsPersistence: boolean;
  concurrency: number;
  signal: AbortSignal;
  count: (key: 'statistics' | 'corrected', write: () => Promise<'applied' | 'ignored'>) => Promise<void>;
};

export class ListedFieldsCheck {
  private readonly unknown: Batches<Listed>;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly options: ListedFieldsCheckOptions) {
    this.unknown = new Batches(READ_BATCH, async (batch) => {
      const checked: Promise<void> = this.check(batch)
        .catch((error: unknown) => void (this.failure ??= error))
        .finally(() => this.inFlight.delete(checked));
      this.inFlight.add(checked);
      if (this.inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(this.inFlight);
      if (this.failure !== undefined) throw this.failure;
    });
  }

  /** A listed session whose connection the table shows. */
  async consider(broker: BrokerSession, shard: number): Promise<void> {
    if (!broker.statistics) return;
    const { memo, precision, correctsPersistence } = this.options;
    const print = listedPrint(broker.conn, precision, broker.statistics, correctsPersistence ? broker.conn : undefined);
    if (memo.knows(shard, print)) memo.remember(shard, print);
    else await this.unknown.push({ broker, shard, print });
  }

  /** Reads and writes what is left; throws the first failure of a batch read. */
  async flush(): Promise<void> {
    await this.unknown.flush();
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  private async check(batch: Listed[]): Promise<void> {
    const { store, memo, changes, precision, correctsPersistence, concurrency, signal, count } = this.options;
    if (signal.aborted) return;
    const items = await store.batchGetItems(batch.map(({ broker }) => broker.conn.clientid));
    const changed: Array<Listed & { record: LiveSession; persistence: boolean }> = [];
    for (const listed of batch) {
      const { broker, shard, print } = listed;
      const record = fromItem(items.get(broker.conn.clientid));
      if (!isLive(record) || !namesConnection(record.node, record.connected_at, broker, precision)) continue;
      const persistence =
        correctsPersistence && (record.clean_start !== broker.conn.clean_start || record.expiry_interval !== broker.conn.expiry_interval);
      if (persistence || TRACKED_STATISTICS.some((field) => record[field] !== broker.statistics![field])) changed.push({ ...listed, record, persistence });
      else memo.remember(shard, print);
    }
    await pool(changed, concurrency, signal, async ({ record, broker, shard, print, persistence }) => {
      // The persistence correction writes the statistics with it: one write either way.
      await (persistence ? count('corrected', () => changes.persistence(record, broker)) : count('statistics', () => changes.statistics(record, broker)));
      memo.remember(shard, print);
    });
  }
}
