/**
 * The read-free connect writes leave the very item the general path
 * (read, applyConnect, conditional Put) leaves, whatever the table held
 * before, and cost one request and no read in the common cases.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo, SessionEvent } from '../../../functions/sessions/model.js';
import { applyConnect, SourceWriter } from '../../../functions/sessions/source-writer.js';
import { SessionWriter } from '../../../functions/sessions/writer.js';
import { CapacityMeter, totalUnits } from '../../bench/capacity-meter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connected, connection, disconnected, statistics, terminated } from '../../support/sessions.js';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
let fast: TestTable;
let reference: TestTable;

beforeAll(async () => {
  [fast, reference] = await Promise.all([createTestTable(), createTestTable()]);
});
afterAll(async () => Promise.all([fast?.drop(), reference?.drop()]));

/** What the table can hold for a client before the connect under test. */
const histories: Record<string, (id: string) => SessionEvent[]> = {
  nothing: () => [],
  'a clean session': (id) => [connected(conn(id, 1, { clean_start: true }))],
  'a persistent session, connected': (id) => {
    const c = conn(id, 1, { clean_start: false, expiry_interval: 600, username: 'old-user', mountpoint: 'm/' });
    return [connected(c), statistics(c, 1, { mqueue_len: 4, recv_oct: 99 })];
  },
  'a persistent session, offline': (id) => {
    const c = conn(id, 1, { clean_start: false, expiry_interval: 600, username: null });
    return [connected(c), statistics(c, 1, { mqueue_len: 4 }), disconnected(c, T0 + 2_000)];
  },
  'a persistent session, expired': (id) => {
    const c = conn(id, 1, { clean_start: false, expiry_interval: 1 });
    return [connected(c), disconnected(c, T0 + 2_000)];
  },
  'an ended session': (id) => [connected(conn(id, 1)), disconnected(conn(id, 1), T0 + 2_000)],
  'a kicked persistent session': (id) => {
    const c = conn(id, 1, { clean_start: false, expiry_interval: 600 });
    return [connected(c), terminated(c, 'kicked', T0 + 2_000)];
  },
  'this very connection': (id) => [connected(conn(id, 2, { clean_start: false, expiry_interval: 600 }))],
  'a newer connection': (id) => [connected(conn(id, 3, { clean_start: false, expiry_interval: 600 }))],
};

function conn(clientid: string, n: number, overrides: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return connection({ clientid, node: `emqx@10.0.0.${n}`, conn_id: '', connected_at: T0 + n * 10_000, created_at: T0 + n * 10_000, ...overrides });
}

const connects: Record<string, (id: string) => ConnectionInfo> = {
  'a clean start': (id) => conn(id, 2, { clean_start: true, username: 'new-user' }),
  'a resume': (id) => conn(id, 2, { clean_start: false, expiry_interval: 600, username: 'new-user' }),
  'a resume without a username': (id) => conn(id, 2, { clean_start: false, expiry_interval: 60, username: null }),
};

async function item(t: TestTable, clientid: string) {
  const read = await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid }, ConsistentRead: true }));
  if (!read.Item) return undefined;
  const { rev: _rev, ...rest } = read.Item;
  return rest;
}

describe('a connect that reports its persistence', () => {
  const cases = Object.keys(histories).flatMap((history) => Object.keys(connects).map((kind) => [history, kind] as const));
  it.each(cases)('over %s, %s: the item of the general path', async (history, kind) => {
    const id = `cw-${Object.keys(histories).indexOf(history)}-${Object.keys(connects).indexOf(kind)}`;
    const fastWriter = new SourceWriter(fast.db, fast.table);
    const referenceWriter = new SessionWriter(reference.db, reference.table);
    for (const event of histories[history]!(id)) {
      await fastWriter.apply(event);
      await new SourceWriter(reference.db, reference.table).apply(event);
    }
    const event = { type: 'connected' as const, conn: connects[kind]!(id) };
    const outcome = await fastWriter.apply(event);
    const expected = await referenceWriter.mutate(id, (current) => applyConnect(current, event));
    expect(outcome).toBe(expected);
    expect(await item(fast, id)).toEqual(await item(reference, id));
  });
});

describe('what a connect costs', () => {
  it('is one write and no read for a new session, a clean start over an ended one, and a resume', async () => {
    const meter = new CapacityMeter(fast.db);
    const writer = new SourceWriter(fast.db, fast.table);
    // A clean start that keeps its session once offline (MQTT 5).
    const first = conn('cw-cost', 1, { clean_start: true, expiry_interval: 600 });
    const steps: SessionEvent[] = [
      connected(first),
      disconnected(first, T0 + 12_000),
      connected(conn('cw-cost', 2, { clean_start: false, expiry_interval: 600 })),
      terminated(conn('cw-cost', 2, { clean_start: false, expiry_interval: 600 }), 'kicked', T0 + 22_000),
      connected(conn('cw-cost', 3, { clean_start: true })),
    ];
    for (const [i, event] of steps.entries()) {
      const { measurement } = await meter.measure(() => writer.apply(event));
      if (event.type !== 'connected') continue;
      expect({ step: i, reads: totalUnits(measurement).read, requests: measurement.requests }).toEqual({ step: i, reads: 0, requests: 1 });
    }
  });
});
