/**
 * What a broker says it holds, as reconciliation reads it: each source that
 * can list its sessions (EMQX's REST API, our own node) implements this.
 */
import type { ConnectionInfo, Statistics } from '../sessions/model.js';

export type BrokerSession = {
  /** The connection the broker holds now (or held last, for an offline session). */
  conn: ConnectionInfo;
  conn_state: 'connected' | 'disconnected';
  /** Epoch ms; null while connected. */
  disconnected_at: number | null;
  /** The broker's counters, when its list gives them. */
  statistics?: Statistics;
  /** Topics subscribed, when the list gives them; used for a session the table lacked. */
  subscriptions_cnt?: number;
};

export interface BrokerView {
  /** Name for logs and metrics, e.g. `emqx5`. */
  readonly name: string;
  /**
   * How exactly the list gives `connected_at`: 1 when to the millisecond,
   * 1000 when to the second (EMQX 4's "YYYY-MM-DD HH:mm:ss"). A table
   * connection matches a listed one on the same node whose connect time
   * agrees to this precision.
   */
  readonly connectedAtPrecisionMs: number;
  /**
   * Whether the list's `clean_start` and `expiry_interval` stand over the
   * table's for a connection it matches: set for a source whose events do not
   * report them (EMQX 4.4's WebHook), so that the list is where they are known.
   */
  readonly correctsPersistence?: boolean;
  /** Whether the table's sessions on `node` are this broker's to confirm or end. */
  covers(node: string): boolean;
  /** Every session the broker holds, page by page; stops early when `signal` aborts. */
  sessions(signal: AbortSignal): AsyncIterable<BrokerSession>;
  /**
   * The broker's session of one client, asked before a session missing from
   * the list is ended: an offset-paged list can skip a client while the set
   * changes under it. Views whose list cannot skip leave it out.
   */
  lookup?(clientid: string, signal: AbortSignal): Promise<BrokerSession | undefined>;
}

/** Whether a connection on `node` at `connectedAt` is the broker's, to the precision its list gives connect times. */
export function namesConnection(node: string, connectedAt: number, broker: BrokerSession, precisionMs: number): boolean {
  return node === broker.conn.node && Math.floor(connectedAt / precisionMs) === Math.floor(broker.conn.connected_at / precisionMs);
}
