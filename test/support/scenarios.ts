/** Random but well-formed broker histories of one clientid, for order-insensitivity properties. */
import fc from 'fast-check';
import { connKey } from '../../functions/sessions/keys.js';
import type { ConnectionInfo, SessionEvent, SessionRecord } from '../../functions/sessions/model.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { connected, connection, disconnected, statistics, subscriptions, terminated } from './sessions.js';

export const SCENARIO_T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export type ConnectionSteps = { stats: number; subs: number; end: 'none' | 'disconnect' | 'kick' | 'both' };

/** Folds events as the table does: an `undefined` result keeps the record. */
export function fold(events: readonly SessionEvent[], start?: SessionRecord): SessionRecord | undefined {
  return events.reduce<SessionRecord | undefined>((record, event) => applyEvent(record, event) ?? record, start);
}

/** What the API can see of a record: a live session in full, or that the last connection ended. */
export function observable(record: SessionRecord | undefined) {
  if (record === undefined) return undefined;
  if (record.conn_state === null) return { ended: record.conn_key };
  return record;
}

/** Events of one connection in the order its broker sends them. */
export function connectionScript(conn: ConnectionInfo, steps: ConnectionSteps): SessionEvent[] {
  const events: SessionEvent[] = [connected(conn)];
  for (let seq = 1; seq <= steps.stats; seq++) events.push(statistics(conn, seq, { mqueue_len: seq * 10, recv_oct: seq }));
  for (let seq = 1; seq <= steps.subs; seq++) events.push(subscriptions(conn, seq, seq + 1));
  if (steps.end === 'disconnect' || steps.end === 'both') events.push(disconnected(conn, conn.connected_at + 100));
  if (steps.end === 'kick' || steps.end === 'both') events.push(terminated(conn, 'kicked', conn.connected_at + 200));
  return events;
}

/** One to three connections of `clientid` (takeovers across nodes, same-millisecond ties), in broker order. */
export function historyArbitrary(clientid: string): fc.Arbitrary<SessionEvent[]> {
  return fc
    .array(
      fc.record({
        node: fc.constantFrom('node-a', 'node-b'),
        offset: fc.integer({ min: 0, max: 3 }),
        persistent: fc.boolean(),
        stats: fc.integer({ min: 0, max: 3 }),
        subs: fc.integer({ min: 0, max: 2 }),
        end: fc.constantFrom<ConnectionSteps['end']>('none', 'disconnect', 'kick', 'both'),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((specs) => {
      const connections = specs.map((s, i) =>
        connection({
          clientid,
          node: s.node,
          conn_id: `conn-${i}`,
          connected_at: SCENARIO_T0 + s.offset * 1000,
          created_at: SCENARIO_T0,
          clean_start: !s.persistent,
          expiry_interval: s.persistent ? 3600 : 0,
        }),
      );
      const byAge = connections
        .map((conn, i) => ({ conn, spec: specs[i]! }))
        .sort((a, b) => Buffer.compare(Buffer.from(connKey(a.conn)), Buffer.from(connKey(b.conn))));
      return byAge.flatMap(({ conn, spec }) => connectionScript(conn, spec));
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
