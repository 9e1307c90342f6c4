/**
 * Write units of a state change with the counters kept from the stream: the
 * session's own write (table and index entries), and the aggregator's one
 * update per stream batch, measured on DynamoDB Local with the capacity meter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterApplier } from '../../functions/counters/applier.js';
import { aggregateCountersHandler, type CounterStreamEvent } from '../../functions/counters/handler.js';
import { observability } from '../../functions/http/observability.js';
import { SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { StreamConsumer } from '../../infra/local/stream-consumer.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { connected, connection, disconnected } from '../support/sessions.js';
import { CapacityMeter, totalUnits, type Measurement } from './capacity-meter.js';

let t: TestTable;
let meter: CapacityMeter;
let writer: SessionWriter;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  meter = new CapacityMeter(t.db);
  writer = new SessionWriter(t.db, t.table);
});
afterAll(() => t.drop());

const writes = (m: Measurement) => m.commands.filter((c) => c.commandName !== 'GetItemCommand' && c.commandName !== 'QueryCommand');

describe('write units of a state change', () => {
  it('are one conditional Put of the session, and one counter update per stream batch', async () => {
    const at = Date.now() - 60_000;
    const clean = connection({ clientid: 'cost-clean', connected_at: at, clean_start: true, username: 'u' });
    const kept = connection({ clientid: 'cost-kept', connected_at: at, clean_start: false, expiry_interval: 3600, username: 'u' });
    const back = connection({ ...kept, connected_at: at + 10_000, conn_id: 'second' });
    const cases = {
      'clean connect': connected(clean),
      'clean disconnect (session ends)': disconnected(clean, at + 1000),
      'connect (persistent)': connected(kept),
      'persistent disconnect (kept offline)': disconnected(kept, at + 1000),
      'reconnect (resumes the offline session)': connected(back),
    };
    const rows: string[] = [];
    for (const [name, event] of Object.entries(cases)) {
      const { measurement } = await meter.measure(() => writer.apply(event));
      expect(writes(measurement).map((c) => c.commandName), name).toEqual(['PutItemCommand']);
      const units = totalUnits(measurement);
      // The username index holds keys only: a persistent session's disconnect or resume leaves its entry alone.
      const usernameUnits = measurement.indexes[SESSIONS_TABLE.indexes.byUsername.indexName]?.write ?? 0;
      if (name.startsWith('persistent disconnect') || name.startsWith('reconnect')) expect(usernameUnits, name).toBe(0);
      else expect(usernameUnits, name).toBeGreaterThan(0);
      rows.push(`| ${name} | ${measurement.table.write} | ${Object.entries(measurement.indexes).map(([i, u]) => `${i} ${u.write}`).join(', ') || '—'} | ${units.write} |`);
    }
    // The aggregator's share: one UpdateItem for the whole batch of the changes above.
    const observed = observability({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    const handler = aggregateCountersHandler({ applier: new CounterApplier(t.db, t.table), ...observed });
    const batches: CounterStreamEvent[] = [];
    const capture = new StreamConsumer(t.endpoint, t.table.tableName, async (event) => void batches.push(event));
    await capture.drain();
    await capture.stop();
    const { measurement } = await meter.measure(async () => {
      for (const batch of batches) await handler(batch);
    });
    expect(writes(measurement).map((c) => c.commandName)).toEqual(['UpdateItemCommand']);
    rows.push(`| counter update for the batch of all ${Object.keys(cases).length} changes | ${measurement.table.write} | — | ${totalUnits(measurement).write} |`);
    console.log(['| change | WCU table | WCU indexes | WCU total |', '| --- | --- | --- | --- |', ...rows].join('\n'));
    // The clean session ended; the persistent one is connected again.
    expect(await t.store.countByState()).toEqual({ connected: 1, idle: 0, disconnected: 0 });
  });
});
