/**
 * The tracked statistics of listed sessions, written only where they
 * changed. What the table holds is known from the memo of earlier runs, else
 * read in batches (a read costs a tenth of a write).
 */
import { fromItem } from '../sessions/item.js';
import { isLive, type LiveSession } from '../sessions/model.js';
import type { SessionStore } from '../sessions/store.js';
import type { BrokerSession } from '../sources/broker-view.js';
import { Batches, pool } from './batches.js';
import { statisticsPrint, TRACKED_STATISTICS } from './fingerprint.js';
import { namesConnection, type SessionChanges } from './session-changes.js';
import type { StatisticsMemo } from './statistics-memo.js';

/** Sessions whose statistics are read at once (BatchGetItem requests of 100 in parallel). */
const READ_BATCH = 1_000;

type Listed = { broker: BrokerSession; shard: number; print: bigint };

export type StatisticsCheckOptions = {
  store: SessionStore;
  memo: StatisticsMemo;
  changes: SessionChanges;
  precision: number;
  concurrency: number;
  signal: AbortSignal;
  count: (key: 'statistics', write: () => Promise<'applied' | 'ignored'>) => Promise<void>;
};

export class StatisticsCheck {
  private readonly unknown: Batches<Listed>;

  constructor(private readonly options: StatisticsCheckOptions) {
    this.unknown = new Batches(READ_BATCH, (batch) => this.check(batch));
  }

  /** A listed session whose connection the table shows. */
  async consider(broker: BrokerSession, shard: number): Promise<void> {
    if (!broker.statistics) return;
    const { memo, precision } = this.options;
    const print = statisticsPrint(broker.conn, precision, broker.statistics);
    if (memo.knows(shard, print)) memo.remember(shard, print);
    else await this.unknown.push({ broker, shard, print });
  }

  flush(): Promise<void> {
    return this.unknown.flush();
  }

  private async check(batch: Listed[]): Promise<void> {
    const { store, memo, changes, precision, concurrency, signal, count } = this.options;
    if (signal.aborted) return;
    const items = await store.batchGetItems(batch.map(({ broker }) => broker.conn.clientid));
    const changed: Array<Listed & { record: LiveSession }> = [];
    for (const listed of batch) {
      const { broker, shard, print } = listed;
      const record = fromItem(items.get(broker.conn.clientid));
      if (!isLive(record) || !namesConnection(record.node, record.connected_at, broker, precision)) continue;
      if (TRACKED_STATISTICS.some((field) => record[field] !== broker.statistics![field])) changed.push({ ...listed, record });
      else memo.remember(shard, print);
    }
    await pool(changed, concurrency, signal, async ({ record, broker, shard, print }) => {
      await count('statistics', () => changes.statistics(record, broker));
      memo.remember(shard, print);
    });
  }
}
