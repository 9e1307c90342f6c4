/**
 * Broker histories of one clientid as a broker cluster would emit them:
 * several connections over two nodes (takeovers, same-millisecond ties;
 * node names and connection ids of varied length and content, each
 * connection with statistics of its own),
 * clean and persistent sessions, statistics and subscription snapshots, and
 * each connection ended by a disconnect, a termination, both, or not at all.
 */
import fc from 'fast-check';
import type { ConnectionInfo, SessionEvent } from '../../functions/sessions/model.js';
import { connIdArbitrary, nodeNameArbitrary } from '../support/connection-names.js';
import { connection, distinctStatistics } from '../support/sessions.js';

export const HISTORY_T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export type ConnectionEnd = 'none' | 'disconnect' | 'terminate' | 'disconnect+terminate';

export type ConnectionPlan = {
  /** Which of the history's two node names. */
  node: 0 | 1;
  /** Seconds after HISTORY_T0; equal values on two nodes are a same-millisecond takeover. */
  offset: number;
  persistent: boolean;
  stats: number;
  subs: number;
  end: ConnectionEnd;
  reason: 'kicked' | 'discarded' | 'expired';
};

export const connectionPlanArbitrary: fc.Arbitrary<ConnectionPlan> = fc.record({
  node: fc.constantFrom(0 as const, 1 as const),
  offset: fc.integer({ min: 0, max: 4 }),
  persistent: fc.boolean(),
  stats: fc.integer({ min: 0, max: 3 }),
  subs: fc.integer({ min: 0, max: 2 }),
  end: fc.constantFrom<ConnectionEnd>('none', 'disconnect', 'terminate', 'disconnect+terminate'),
  reason: fc.constantFrom('kicked', 'discarded', 'expired'),
});

/** The names a history's connections carry: two node names, one distinct id per connection. */
export type ConnectionNames = { nodes: readonly [string, string]; connIds: readonly string[] };

type Timed = { at: number; event: SessionEvent };

/** The events of connection number `number`, whose statistics and counts no other connection of the history has. */
function connectionEvents(conn: ConnectionInfo, plan: ConnectionPlan, number: number): Timed[] {
  const t = conn.connected_at;
  const timed: Timed[] = [{ at: t, event: { type: 'connected', conn } }];
  for (let seq = 1; seq <= plan.stats; seq++) {
    timed.push({ at: t + 10 * seq, event: { type: 'statistics', conn, seq, statistics: distinctStatistics(number, seq) } });
  }
  for (let seq = 1; seq <= plan.subs; seq++) timed.push({ at: t + 15 * seq, event: { type: 'subscriptions', conn, seq, subscriptions_cnt: (number + 1) * 100 + seq } });
  if (plan.end === 'disconnect' || plan.end === 'disconnect+terminate') {
    timed.push({ at: t + 500, event: { type: 'disconnected', conn, at: t + 500 } });
  }
  if (plan.end === 'terminate' || plan.end === 'disconnect+terminate') {
    timed.push({ at: t + 600, event: { type: 'terminated', conn, at: t + 600, reason: plan.reason } });
  }
  return timed;
}

/** The events of the plans in the order the cluster emits them (by event time; ties in plan order). */
export function historyOf(clientid: string, plans: readonly ConnectionPlan[], names: ConnectionNames = defaultNames(plans.length)): SessionEvent[] {
  const timed = plans.flatMap((plan, i) => {
    const connectedAt = HISTORY_T0 + plan.offset * 1000;
    const conn = connection({
      clientid,
      node: names.nodes[plan.node],
      conn_id: names.connIds[i]!,
      connected_at: connectedAt,
      // A persistent session outlives its connections; a clean one starts with its connection.
      created_at: plan.persistent ? HISTORY_T0 : connectedAt,
      clean_start: !plan.persistent,
      expiry_interval: plan.persistent ? 7200 : 0,
      username: `user-${i % 2}`,
      port: 40000 + i,
    });
    return connectionEvents(conn, plan, i);
  });
  return timed.sort((a, b) => a.at - b.at).map((t) => t.event);
}

function defaultNames(connections: number): ConnectionNames {
  return { nodes: ['node-a', 'node-b'], connIds: Array.from({ length: connections }, (_, i) => `conn-${i}`) };
}

/** Names for `connections` connections: node names of varied length and content, distinct connection ids. */
function namesArbitrary(connections: number): fc.Arbitrary<ConnectionNames> {
  return fc.record({
    nodes: fc.tuple(nodeNameArbitrary, nodeNameArbitrary),
    connIds: fc.uniqueArray(connIdArbitrary, { minLength: connections, maxLength: connections }),
  });
}

export type Delivery = { plans: ConnectionPlan[]; names: ConnectionNames; inOrder: SessionEvent[]; delivered: SessionEvent[] };

/** A history, and the same events delivered shuffled with some of them repeated. */
export function deliveryOf(clientid: string, maxConnections = 4): fc.Arbitrary<Delivery> {
  return fc
    .array(connectionPlanArbitrary, { minLength: 1, maxLength: maxConnections })
    .chain((plans) => namesArbitrary(plans.length).map((names) => ({ plans, names })))
    .chain(({ plans, names }) => {
      const inOrder = historyOf(clientid, plans, names);
      return fc
        .tuple(
          fc.shuffledSubarray(inOrder, { minLength: inOrder.length, maxLength: inOrder.length }),
          fc.array(fc.tuple(fc.nat(inOrder.length - 1), fc.nat()), { maxLength: 6 }),
        )
        .map(([shuffled, repeats]) => {
          const delivered = [...shuffled];
          for (const [which, where] of repeats) delivered.splice(where % (delivered.length + 1), 0, inOrder[which]!);
          return { plans, names, inOrder, delivered };
        });
    });
}
