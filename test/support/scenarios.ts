/** Random but well-formed broker histories of one clientid, for order-insensitivity properties. */
import fc from 'fast-check';
import { compareBytes, connKey } from '../../functions/sessions/keys.js';
import type { ConnectionInfo, SessionEvent, SessionRecord } from '../../functions/sessions/model.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { connIdArbitrary, nodeNameArbitrary } from './connection-names.js';
import { connected, connection, disconnected, distinctStatistics, subscriptions, terminated } from './sessions.js';

export const SCENARIO_T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export type ConnectionSteps = { stats: number; subs: number; end: 'none' | 'disconnect' | 'kick' | 'both' };

/** Folds events as the table does: an `undefined` result keeps the record. */
export function fold(events: readonly SessionEvent[], start?: SessionRecord): SessionRecord | undefined {
  return events.reduce<SessionRecord | undefined>((record, event) => applyEvent(record, event) ?? record, start);
}

/**
 * Events of one connection in the order its broker sends them. `number` tells
 * this connection's statistics and subscription counts from those of the
 * other connections of the history.
 */
export function connectionScript(conn: ConnectionInfo, steps: ConnectionSteps, number = 0): SessionEvent[] {
  const events: SessionEvent[] = [connected(conn)];
  for (let seq = 1; seq <= steps.stats; seq++) events.push({ type: 'statistics', conn, seq, statistics: distinctStatistics(number, seq) });
  for (let seq = 1; seq <= steps.subs; seq++) events.push(subscriptions(conn, seq, (number + 1) * 100 + seq));
  // A clean session that is kicked also disconnects: two ends, the earlier of which must stand.
  if (steps.end === 'disconnect' || steps.end === 'both') events.push(disconnected(conn, conn.connected_at + 100));
  if (steps.end === 'kick' || steps.end === 'both') events.push(terminated(conn, 'kicked', conn.connected_at + 200));
  return events;
}

const stepsArbitrary = fc.record({
  node: fc.nat(1),
  offset: fc.integer({ min: 0, max: 3 }),
  persistent: fc.boolean(),
  stats: fc.integer({ min: 0, max: 3 }),
  subs: fc.integer({ min: 0, max: 2 }),
  end: fc.constantFrom<ConnectionSteps['end']>('none', 'disconnect', 'kick', 'both'),
});

/**
 * One to three connections of `clientid` (takeovers across two nodes whose
 * names vary in length and content, same-millisecond ties broken by node and
 * connection id), in broker order.
 */
export function historyArbitrary(clientid: string): fc.Arbitrary<SessionEvent[]> {
  return fc
    .tuple(fc.array(stepsArbitrary, { minLength: 1, maxLength: 3 }), fc.tuple(nodeNameArbitrary, nodeNameArbitrary))
    .chain(([specs, nodes]) =>
      // Distinct ids: two connections of one node in the same millisecond are still two connections.
      fc.uniqueArray(connIdArbitrary, { minLength: specs.length, maxLength: specs.length }).map((connIds) => ({ specs, nodes, connIds })),
    )
    .map(({ specs, nodes, connIds }) => {
      const connections = specs.map((s, i) =>
        connection({
          clientid,
          node: nodes[s.node]!,
          conn_id: connIds[i]!,
          connected_at: SCENARIO_T0 + s.offset * 1000,
          created_at: SCENARIO_T0,
          clean_start: !s.persistent,
          expiry_interval: s.persistent ? 3600 : 0,
          port: 40000 + i,
        }),
      );
      const byAge = connections.map((conn, i) => ({ conn, spec: specs[i]!, number: i })).sort((a, b) => compareBytes(connKey(a.conn), connKey(b.conn)));
      return byAge.flatMap(({ conn, spec, number }) => connectionScript(conn, spec, number));
    });
}

/** A history in broker order, the same events shuffled, and a few of them again. */
export function deliveryArbitrary(clientid: string) {
  return historyArbitrary(clientid).chain((inOrder) =>
    fc.tuple(
      fc.constant(inOrder),
      fc.shuffledSubarray(inOrder, { minLength: inOrder.length, maxLength: inOrder.length }),
      fc.array(fc.constantFrom(...inOrder), { maxLength: 4 }),
    ).map(([ordered, shuffled, duplicates]) => {
      const delivered = [...shuffled];
      duplicates.forEach((event, i) => delivered.splice((i * 7) % (delivered.length + 1), 0, event));
      return { inOrder: ordered, delivered };
    }),
  );
}
