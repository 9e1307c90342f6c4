/**
 * Periodic statistics snapshots of the sessions this node holds, written as
 * one batch per round and only for sessions whose figures changed.
 */
import {
  isPersistent,
  STATISTICS_FIELDS,
  ZERO_STATISTICS,
  type SessionEvent,
  type Statistics,
} from '../../../functions/sessions/model.js';
import type { NodeSessionWriter } from './node-writer.js';
import type { LocalLog } from '../log.js';
import type { HeldConnection, HeldSessions } from './held-sessions.js';
import type { SessionPersistence } from './session-persistence.js';

function sameFigures(a: Statistics | undefined, b: Statistics): boolean {
  return a !== undefined && STATISTICS_FIELDS.every((field) => a[field] === b[field]);
}

/** A connection's figures from its metered socket; `stored` messages wait for it in the session's queue. */
export function connectionStatistics(connection: HeldConnection, online: boolean, stored = 0): Statistics {
  const traffic = connection.meter?.traffic;
  // Offline, nothing is in flight: what is stored waits in the queue.
  const inflight = online ? (traffic?.inflight ?? 0) : 0;
  return {
    ...ZERO_STATISTICS,
    recv_oct: traffic?.recv_oct ?? 0,
    recv_cnt: traffic?.recv_cnt ?? 0,
    recv_pkt: traffic?.recv_pkt ?? 0,
    recv_msg: traffic?.recv_msg ?? 0,
    send_oct: traffic?.send_oct ?? 0,
    send_cnt: traffic?.send_cnt ?? 0,
    send_pkt: traffic?.send_pkt ?? 0,
    send_msg: traffic?.send_msg ?? 0,
    'recv_msg.qos0': traffic?.['recv_msg.qos0'] ?? 0,
    'recv_msg.qos1': traffic?.['recv_msg.qos1'] ?? 0,
    'recv_msg.qos2': traffic?.['recv_msg.qos2'] ?? 0,
    'send_msg.qos0': traffic?.['send_msg.qos0'] ?? 0,
    'send_msg.qos1': traffic?.['send_msg.qos1'] ?? 0,
    'send_msg.qos2': traffic?.['send_msg.qos2'] ?? 0,
    inflight,
    mqueue_len: Math.max(stored - inflight, 0),
    awaiting_rel: traffic?.awaiting_rel ?? 0,
  };
}

export class StatisticsReporter {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<number> | undefined;

  constructor(
    private readonly sessions: HeldSessions,
    private readonly persistence: SessionPersistence,
    private readonly writer: NodeSessionWriter,
    private readonly log: LocalLog,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.report(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round; a round still running is awaited instead of overlapped. Returns the snapshots written. */
  report(): Promise<number> {
    this.round ??= this.writeChanged().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async snapshot(connection: HeldConnection, online: boolean): Promise<Statistics> {
    const stored = isPersistent(connection.info) ? await this.persistence.queueLength(connection.info.clientid) : 0;
    return connectionStatistics(connection, online, stored);
  }

  private async writeChanged(): Promise<number> {
    const changed: Array<{ connection: HeldConnection; statistics: Statistics }> = [];
    for (const session of [...this.sessions.values()]) {
      const connection = session.connection ?? session.last;
      if (!connection || connection.kicked) continue;
      const statistics = await this.snapshot(connection, session.connection !== undefined);
      if (!sameFigures(connection.reported, statistics)) changed.push({ connection, statistics });
    }
    if (changed.length === 0) return 0;
    const events: SessionEvent[] = changed.map(({ connection, statistics }) => ({
      type: 'statistics',
      conn: connection.info,
      seq: ++connection.statsSeq,
      statistics,
    }));
    try {
      await this.writer.applyAll(events);
      for (const { connection, statistics } of changed) connection.reported = statistics;
      return events.length;
    } catch (error) {
      // Which of the batch failed is unknown: all are written again next round.
      this.log.error(`statistics of ${events.length} sessions not written`, error);
      return 0;
    }
  }
}
