/**
 * What this node holds, as reconciliation reads a broker: its connected
 * clients and its offline persistent sessions. Statistics are left out: the
 * node's reporter writes those itself.
 */
import type { BrokerSession, BrokerView } from '../../../functions/sources/broker-view.js';
import type { HeldSessions } from './held-sessions.js';

export class HeldSessionsView implements BrokerView {
  readonly name = 'local-node';
  readonly connectedAtPrecisionMs = 1;

  constructor(
    private readonly node: string,
    private readonly held: HeldSessions,
  ) {}

  covers(node: string): boolean {
    return node === this.node;
  }

  async *sessions(signal: AbortSignal): AsyncIterable<BrokerSession> {
    const now = Date.now();
    // A snapshot: the set changes under the walk as clients come and go.
    for (const session of [...this.held.values()]) {
      if (signal.aborted) return;
      const last = session.last;
      if (!last || session.isExpired(now)) continue;
      const base = { conn: last.info, subscriptions_cnt: session.topics.size };
      if (session.connection) yield { ...base, conn_state: 'connected', disconnected_at: null };
      else if (session.expiresAt !== null) {
        yield { ...base, conn_state: 'disconnected', disconnected_at: session.expiresAt - last.info.expiry_interval * 1000 };
      }
    }
  }
}
