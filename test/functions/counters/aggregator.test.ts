/**
 * The counter aggregator against DynamoDB Local: real stream records of real
 * session writes, delivered once, twice, overlapping, out of order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CounterApplier } from '../../../functions/counters/applier.js';
import { changeDeltas, type Image } from '../../../functions/counters/deltas.js';
import { aggregateCountersHandler, itemChangeOf, type CounterStreamEvent } from '../../../functions/counters/handler.js';
import { observability } from '../../../functions/http/observability.js';
import { StreamConsumer } from '../../../infra/local/stream-consumer.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connected, connection, disconnected } from '../../support/sessions.js';

let t: TestTable;
let handler: (event: CounterStreamEvent) => Promise<unknown>;
let captured: CounterStreamEvent[];
let capture: StreamConsumer;

beforeEach(async () => {
  t = await createTestTable({ shards: 2 });
  const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  handler = aggregateCountersHandler({ applier: new CounterApplier(t.db, t.table), ...observed });
  captured = [];
  // A second reader of the stream that only keeps what it is given, to be delivered by the test.
  capture = new StreamConsumer(t.endpoint, t.table.tableName, async (event) => void captured.push(event));
});
afterEach(async () => {
  await capture.stop();
  await t.drop();
});

/** The stream records written since the last call, as one batch of their shard. */
async function nextBatch(): Promise<CounterStreamEvent> {
  captured = [];
  await capture.drain();
  expect(captured.length).toBeGreaterThan(0);
  const records = captured.flatMap((e) => e.Records);
  return { ...captured[0]!, Records: records };
}

const persistent = (clientid: string, node = 'node-a') =>
  connection({ clientid, node, connected_at: Date.now() - 60_000, clean_start: false, expiry_interval: 3600 });

async function counters() {
  return { byState: await t.store.countByState(), byNode: Object.fromEntries(await t.store.countByNode()) };
}

describe('the counter aggregator', () => {
  it('moves one count when a session goes from connected to disconnected', async () => {
    const conn = persistent('p-1');
    await t.writer.apply(connected(conn));
    await handler(await nextBatch());
    expect(await counters()).toEqual({ byState: { connected: 1, idle: 0, disconnected: 0 }, byNode: { 'node-a': { connected: 1, idle: 0, disconnected: 0 } } });
    await t.writer.apply(disconnected(conn));
    await handler(await nextBatch());
    expect(await counters()).toEqual({ byState: { connected: 0, idle: 0, disconnected: 1 }, byNode: { 'node-a': { connected: 0, idle: 0, disconnected: 1 } } });
  });

  it('does not count a batch delivered twice twice', async () => {
    await t.writer.applyAll([connected(persistent('a')), connected(persistent('b'))]);
    const batch = await nextBatch();
    await handler(batch);
    await handler(batch);
    await handler(structuredClone(batch));
    expect((await counters()).byState.connected).toBe(2);
  });

  it('applies only the unapplied part of a batch that overlaps an applied one, and nothing of an older one', async () => {
    const conns = ['a', 'b', 'c', 'd', 'e'].map((id) => persistent(id));
    await t.writer.applyAll(conns.map(connected));
    const all = await nextBatch();
    expect(all.Records).toHaveLength(5);
    await handler({ ...all, Records: all.Records.slice(0, 3) });
    expect((await counters()).byState.connected).toBe(3);
    await handler({ ...all, Records: all.Records.slice(1) });
    expect((await counters()).byState.connected).toBe(5);
    await handler({ ...all, Records: all.Records.slice(0, 2) });
    expect((await counters()).byState.connected).toBe(5);
  });

  it('orders a batch by sequence number, so records out of order count as in order', async () => {
    const conn = persistent('p-1');
    await t.writer.applyAll([connected(conn), disconnected(conn)]);
    const batch = await nextBatch();
    await handler({ ...batch, Records: [...batch.Records].reverse() });
    expect((await counters()).byState).toEqual({ connected: 0, idle: 0, disconnected: 1 });
    // The same records again, in either order, change nothing.
    await handler(batch);
    expect((await counters()).byState).toEqual({ connected: 0, idle: 0, disconnected: 1 });
  });

  it('ignores the counter items own changes and any key starting with U+0000', async () => {
    await t.writer.apply(connected(persistent('a')));
    await handler(await nextBatch());
    // The aggregator's own update of a counter item is in the stream too.
    const own = await nextBatch();
    expect(own.Records.every((r) => r.dynamodb?.Keys?.clientid?.S?.startsWith('\u0000'))).toBe(true);
    expect(changeDeltas(own.Records.map(itemChangeOf))).toEqual(new Map());
    const lookalike: Image = { clientid: { S: '\u0000topics#a' }, conn_key: { S: 'k' }, conn_state: { S: 'connected' }, node: { S: 'n' } };
    expect(changeDeltas([{ sequenceNumber: '1', newImage: lookalike }])).toEqual(new Map());
    const session: Image = { ...lookalike, clientid: { S: 'a' }, stream_counted: { BOOL: true } };
    expect(changeDeltas([{ sequenceNumber: '1', newImage: session }])).toEqual(new Map([['connected', 1], ['node:connected:n', 1]]));
    // Written by a writer that moved the counters in its own transaction (an upgrade rolling out): not counted again.
    const { stream_counted: _mark, ...transactional } = session;
    expect(changeDeltas([{ sequenceNumber: '2', oldImage: session, newImage: { ...transactional, conn_state: { S: 'disconnected' } } }])).toEqual(new Map());
    expect(changeDeltas([{ sequenceNumber: '3', oldImage: session }])).toEqual(new Map([['connected', -1], ['node:connected:n', -1]]));
    expect((await counters()).byState.connected).toBe(1);
  });

  it('agrees with the sessions after a fleet of changes through the test settle', async () => {
    const conns = Array.from({ length: 20 }, (_, i) => persistent(`f-${i}`, i % 2 === 0 ? 'node-a' : 'node-b'));
    await t.writer.applyAll(conns.map(connected));
    await t.writer.applyAll(conns.slice(0, 7).map((c) => disconnected(c)));
    await t.settle();
    await t.settle();
    const { byState, byNode } = await counters();
    expect(byState).toEqual({ connected: 13, idle: 0, disconnected: 7 });
    expect(byNode['node-a']!.connected + byNode['node-b']!.connected).toBe(13);
  });
});
