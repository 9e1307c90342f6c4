/** The benchmark's bulk loader leaves the items the session writer would. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../../functions/sessions/item.js';
import { COUNTER_KEY_PREFIX } from '../../functions/sessions/table.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { bulkLoad, foldEvents } from './bulk-load.js';
import { planSessions } from './population.js';

const tables: TestTable[] = [];
afterEach(async () => {
  await Promise.all(tables.splice(0).map((t) => t.drop()));
});

/** A counter left at 0 by an end that followed its start counts the same as one never written. */
function withoutZeroCounts(item: Item): Item {
  if (!String(item.clientid).startsWith(COUNTER_KEY_PREFIX)) return item;
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== 0));
}

async function items(t: TestTable): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await t.db.send(new ScanCommand({ TableName: t.table.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    for (const { rev: _rev, ...item } of page.Items ?? []) found.set(String(item.clientid), withoutZeroCounts(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

describe('bulkLoad', () => {
  it('writes the same sessions and counters as applying the events one by one', async () => {
    const viaWriter = await createTestTable({ shards: 8 });
    const viaBulk = await createTestTable({ shards: 8 });
    tables.push(viaWriter, viaBulk);
    // Expired-but-unswept sessions are left out: the loader does not sweep, and neither does applying events.
    const sessions = planSessions(200, Date.now(), 3).filter((s) => s.kind !== 'expired-unswept');

    for (const s of sessions) for (const event of s.events) await viaWriter.writer.apply(event);
    await bulkLoad(viaBulk.db, viaBulk.table, sessions.map((s) => foldEvents(s.events)!));

    const expected = await items(viaWriter);
    const actual = await items(viaBulk);
    expect(actual.size).toBe(expected.size);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });
});
