import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLive } from '../../../functions/sessions/model.js';
import { SourceWriter } from '../../../functions/sessions/source-writer.js';
import { readTopics } from '../../../functions/sessions/topics.js';
import { CapacityMeter, totalUnits } from '../../bench/capacity-meter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connected, connection, disconnected, statistics } from '../../support/sessions.js';

let t: TestTable;
let writer: SourceWriter;
const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

beforeAll(async () => {
  t = await createTestTable();
  writer = new SourceWriter(t.db, t.table);
});
afterAll(async () => t.drop());

const live = async (clientid: string) => {
  const record = await t.store.get(clientid, { consistent: true });
  if (!isLive(record)) throw new Error(`${clientid} is not live`);
  return record;
};

describe('connects that resume a session', () => {
  it('keeps the creation time and subscriptions of a live session when clean_start is false', async () => {
    const first = connection({ clientid: 'resume-1', node: 'n1', conn_id: '', connected_at: T0, clean_start: false, expiry_interval: 600 });
    await writer.apply(connected(first));
    await writer.apply({ type: 'subscribed', clientid: 'resume-1', at: T0 + 1, topics: [{ topic: 'a', qos: 1 }, { topic: 'b', qos: 0 }] });
    await writer.apply(disconnected(first, T0 + 1000));
    const second = connection({ clientid: 'resume-1', node: 'n2', conn_id: '', connected_at: T0 + 5000, clean_start: false, expiry_interval: 600 });
    expect(await writer.apply(connected(second))).toBe('applied');
    const record = await live('resume-1');
    expect(record).toMatchObject({ node: 'n2', conn_state: 'connected', created_at: T0, connected_at: T0 + 5000, subscriptions_cnt: 2 });
    expect(await readTopics(t.db, t.table, 'resume-1', { consistent: true })).toEqual([
      { topic: 'a', qos: 1 },
      { topic: 'b', qos: 0 },
    ]);
  });

  it('starts a new session on a clean start, or when the stored one has expired', async () => {
    const first = connection({ clientid: 'resume-2', connected_at: T0, clean_start: false, expiry_interval: 1 });
    await writer.apply(connected(first));
    await writer.apply({ type: 'subscribed', clientid: 'resume-2', at: T0 + 1, topics: [{ topic: 'a', qos: 1 }] });
    await writer.apply(disconnected(first, T0 + 1000));
    // Expired at T0 + 2000.
    await writer.apply(connected(connection({ clientid: 'resume-2', connected_at: T0 + 3000, clean_start: false, expiry_interval: 60 })));
    expect(await live('resume-2')).toMatchObject({ created_at: T0 + 3000, subscriptions_cnt: 0 });
    expect(await readTopics(t.db, t.table, 'resume-2', { consistent: true })).toEqual([]);

    await writer.apply({ type: 'subscribed', clientid: 'resume-2', at: T0 + 3001, topics: [{ topic: 'b', qos: 2 }] });
    await writer.apply(connected(connection({ clientid: 'resume-2', connected_at: T0 + 4000, clean_start: true })));
    expect(await live('resume-2')).toMatchObject({ created_at: T0 + 4000, subscriptions_cnt: 0 });
    expect(await readTopics(t.db, t.table, 'resume-2', { consistent: true })).toEqual([]);
  });
});

describe('topic changes', () => {
  it('keep the count exact under concurrent changes', async () => {
    await writer.apply(connected(connection({ clientid: 'topics-1', connected_at: T0 })));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writer.apply({ type: 'subscribed', clientid: 'topics-1', at: T0 + i, topics: [{ topic: `t/${i}`, qos: 1 }] }),
      ),
    );
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => writer.apply({ type: 'unsubscribed', clientid: 'topics-1', at: T0 + 100 + i, topics: [`t/${i}`] })),
    );
    expect((await live('topics-1')).subscriptions_cnt).toBe(15);
    expect(await readTopics(t.db, t.table, 'topics-1', { consistent: true })).toHaveLength(15);
  });

  it('are ignored for a client without a live session', async () => {
    expect(await writer.apply({ type: 'subscribed', clientid: 'nobody', at: T0, topics: [{ topic: 'x', qos: 0 }] })).toBe('ignored');
  });

  it('leave a statistics update at one write unit, with no index write, however many topics there are', async () => {
    const conn = connection({ clientid: 'topics-2', connected_at: T0 });
    await writer.apply(connected(conn));
    const topics = Array.from({ length: 200 }, (_, i) => ({ topic: `fleet/site-${i}/device/+/telemetry/#`, qos: 1 as const }));
    await writer.apply({ type: 'subscribed', clientid: 'topics-2', at: T0 + 1, topics });
    expect((await live('topics-2')).subscriptions_cnt).toBe(200);

    const meter = new CapacityMeter(t.db);
    const { measurement } = await meter.measure(() => writer.apply(statistics(conn, 1, { recv_oct: 123_456, send_msg: 9 })));
    expect(measurement.byCommand).toEqual({ UpdateItemCommand: 1 });
    expect(totalUnits(measurement).write).toBe(1);
    expect(Object.values(measurement.indexes).every((u) => u.write === 0)).toBe(true);
    expect(await live('topics-2')).toMatchObject({ recv_oct: 123_456, send_msg: 9 });
  });
});

describe('sessions that end without naming their connection', () => {
  it('end an offline session on the named node only', async () => {
    const conn = connection({ clientid: 'term-1', node: 'n1', connected_at: T0, clean_start: false, expiry_interval: 600 });
    await writer.apply(connected(conn));
    expect(await writer.apply({ type: 'session-terminated', clientid: 'term-1', node: 'n1', at: T0 + 10, reason: 'expired' })).toBe('ignored');
    await writer.apply(disconnected(conn, T0 + 1000));
    expect(await writer.apply({ type: 'session-terminated', clientid: 'term-1', node: 'n2', at: T0 + 2000, reason: 'expired' })).toBe('ignored');
    expect(await writer.apply({ type: 'session-terminated', clientid: 'term-1', node: 'n1', at: T0 + 2000, reason: 'expired' })).toBe('applied');
    expect(await t.store.get('term-1', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'expired', ended_at: T0 + 2000 });
  });

  it('never end before the disconnect they follow, whatever the clocks of broker and function', async () => {
    const conn = connection({ clientid: 'term-2', node: 'n1', connected_at: T0, clean_start: false, expiry_interval: 600 });
    await writer.apply(connected(conn));
    await writer.apply(disconnected(conn, T0 + 1000));
    // Stamped with the function's receive time, which lags the broker's clock here.
    expect(await writer.apply({ type: 'session-terminated', clientid: 'term-2', node: 'n1', at: T0 + 400, reason: 'expired' })).toBe('applied');
    expect(await t.store.get('term-2', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'expired', ended_at: T0 + 1000 });
  });
});
