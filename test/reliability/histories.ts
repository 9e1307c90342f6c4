/**
 * Broker histories of one clientid as a broker cluster would emit them:
 * several connections over two nodes (takeovers, same-millisecond ties),
 * clean and persistent sessions, statistics and subscription snapshots, and
 * each connection ended by a disconnect, a termination, both, or not at all.
 */
import fc from 'fast-check';
import { QOS_COUNTER_FIELDS, type ConnectionInfo, type SessionEvent, type Statistics } from '../../functions/sessions/model.js';
import { connection } from '../support/sessions.js';

export const HISTORY_T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export type ConnectionEnd = 'none' | 'disconnect' | 'terminate' | 'disconnect+terminate';

export type ConnectionPlan = {
  node: 'node-a' | 'node-b';
  /** Seconds after HISTORY_T0; equal values on two nodes are a same-millisecond takeover. */
  offset: number;
  persistent: boolean;
  stats: number;
  subs: number;
  end: ConnectionEnd;
  reason: 'kicked' | 'discarded' | 'expired';
};

export const connectionPlanArbitrary: fc.Arbitrary<ConnectionPlan> = fc.record({
  node: fc.constantFrom('node-a', 'node-b'),
  offset: fc.integer({ min: 0, max: 4 }),
  persistent: fc.boolean(),
  stats: fc.integer({ min: 0, max: 3 }),
  subs: fc.integer({ min: 0, max: 2 }),
  end: fc.constantFrom<ConnectionEnd>('none', 'disconnect', 'terminate', 'disconnect+terminate'),
  reason: fc.constantFrom('kicked', 'discarded', 'expired'),
});

type Timed = { at: number; event: SessionEvent };

function connectionEvents(conn: ConnectionInfo, plan: ConnectionPlan): Timed[] {
  const t = conn.connected_at;
  const timed: Timed[] = [{ at: t, event: { type: 'connected', conn } }];
  for (let seq = 1; seq <= plan.stats; seq++) {
    timed.push({
      at: t + 10 * seq,
      event: {
        type: 'statistics',
        conn,
        seq,
        statistics: {
          recv_oct: 100 * seq, recv_cnt: seq, recv_pkt: seq, recv_msg: seq, send_oct: 90 * seq, send_cnt: seq,
          send_pkt: seq, send_msg: seq, inflight: seq % 2, mqueue_len: 5 * seq, mqueue_dropped: seq - 1,
          awaiting_rel: 0, mailbox_len: 0, heap_size: 1000 + seq, reductions: 5000 * seq,
          ...qosCounters(seq),
        },
      },
    });
  }
  for (let seq = 1; seq <= plan.subs; seq++) timed.push({ at: t + 15 * seq, event: { type: 'subscriptions', conn, seq, subscriptions_cnt: seq * 2 } });
  if (plan.end === 'disconnect' || plan.end === 'disconnect+terminate') {
    timed.push({ at: t + 500, event: { type: 'disconnected', conn, at: t + 500 } });
  }
  if (plan.end === 'terminate' || plan.end === 'disconnect+terminate') {
    timed.push({ at: t + 600, event: { type: 'terminated', conn, at: t + 600, reason: plan.reason } });
  }
  return timed;
}

/** The events of the plans in the order the cluster emits them (by event time; ties in plan order). */
export function historyOf(clientid: string, plans: readonly ConnectionPlan[]): SessionEvent[] {
  const timed = plans.flatMap((plan, i) => {
    const connectedAt = HISTORY_T0 + plan.offset * 1000;
    const conn = connection({
      clientid,
      node: plan.node,
      conn_id: `conn-${i}`,
      connected_at: connectedAt,
      // A persistent session outlives its connections; a clean one starts with its connection.
      created_at: plan.persistent ? HISTORY_T0 : connectedAt,
      clean_start: !plan.persistent,
      expiry_interval: plan.persistent ? 7200 : 0,
      username: `user-${i % 2}`,
      port: 40000 + i,
    });
    return connectionEvents(conn, plan);
  });
  return timed.sort((a, b) => a.at - b.at).map((t) => t.event);
}

export type Delivery = { plans: ConnectionPlan[]; inOrder: SessionEvent[]; delivered: SessionEvent[] };

/** A history, and the same events delivered shuffled with some of them repeated. */
export function deliveryOf(clientid: string, maxConnections = 4): fc.Arbitrary<Delivery> {
  return fc.array(connectionPlanArbitrary, { minLength: 1, maxLength: maxConnections }).chain((plans) => {
    const inOrder = historyOf(clientid, plans);
    return fc
      .tuple(
        fc.shuffledSubarray(inOrder, { minLength: inOrder.length, maxLength: inOrder.length }),
        fc.array(fc.tuple(fc.nat(inOrder.length - 1), fc.nat()), { maxLength: 6 }),
      )
      .map(([shuffled, repeats]) => {
        const delivered = [...shuffled];
        for (const [which, where] of repeats) delivered.splice(where % (delivered.length + 1), 0, inOrder[which]!);
        return { plans, inOrder, delivered };
      });
  });
}

/** Per-QoS counters that differ by field and by snapshot. */
function qosCounters(seq: number): Pick<Statistics, (typeof QOS_COUNTER_FIELDS)[number]> {
  return Object.fromEntries(QOS_COUNTER_FIELDS.map((field, i) => [field, seq * (i + 1)])) as Pick<Statistics, (typeof QOS_COUNTER_FIELDS)[number]>;
}
