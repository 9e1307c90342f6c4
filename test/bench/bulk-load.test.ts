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

/** The session items (counter items are laid out by stream shard, and compared as counts). */
async function sessionItems(t: TestTable): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await t.db.send(new ScanCommand({ TableName: t.table.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    for (const { rev: _rev, ...item } of page.Items ?? []) if (!String(item.clientid).startsWith(COUNTER_KEY_PREFIX)) found.set(String(item.clientid), item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

describe('bulkLoad', () => {
  it('writes the same sessions, and counters with the counts, as applying the events one by one', async () => {
    const viaWriter = await createTestTable({ shards: 8 });
    const viaBulk = await createTestTable({ shards: 8 });
    tables.push(viaWriter, viaBulk);
    // Expired-but-unswept sessions are left out: the loader does not sweep, and neither does applying events.
    const sessions = planSessions(200, Date.now(), 3).filter((s) => s.kind !== 'expired-unswept');

    for (const s of sessions) for (const event of s.events) await viaWriter.writer.apply(event);
    await bulkLoad(viaBulk.db, viaBulk.table, sessions.map((s) => foldEvents(s.events)!));

    const expected = await sessionItems(viaWriter);
    const actual = await sessionItems(viaBulk);
    expect(actual.size).toBe(expected.size);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
    // The writer's counts come from the stream; the loader writes the counts the stream would have added up to.
    await viaWriter.settle();
    expect(await viaBulk.store.countByState()).toEqual(await viaWriter.store.countByState());
    expect(await viaBulk.store.countByNode()).toEqual(await viaWriter.store.countByNode());
  }, 120_000);
});
