/**
 * The two readings of a list filter must agree: the DynamoDB filter
 * expression, run by DynamoDB Local over real items, and `matches` in memory.
 */
import fc from 'fast-check';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionsOf, matches, toFilterExpression, type ClientFilter } from '../../../functions/clients/filter.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { propertyRuns } from '../../support/property-seed.js';

const NOW = Date.UTC(2026, 5, 1);

const CLIENTIDS = ['plain', 'a*b', 'q?', '[x]', '(p)', '50%', 'dot.id', 'a.b*c', '%', '.', 'é🚀', '设备', 'A*', 'ab', 'a b', 'x\\y', "it's", '"q"'];
const USERNAMES = ['alice', 'al*ce', 'b.b', '100%', null];
const SUBSTRINGS = ['*', '?', '[', '(', '%', '.', 'a', 'a*', 'a.b', '.*', '%.', '🚀', '设', 'A', 'b', 'z', '\\', "'", '"', ' '];

type TestItem = Record<string, string | number | boolean> & { clientid: string };

/** Items as the table holds them: null attributes absent. */
const items: TestItem[] = CLIENTIDS.map((clientid, i) => {
  const username = USERNAMES[i % USERNAMES.length];
  const item: TestItem = {
    clientid,
    zone: i % 3 === 0 ? 'internal' : 'external',
    ip_address: i % 2 === 0 ? `10.0.0.${i}` : `2001:db8::${i.toString(16)}`,
    conn_state: i % 4 === 0 ? 'disconnected' : 'connected',
    clean_start: i % 2 === 1,
    proto_name: (['MQTT', 'MQTT-SN', 'CoAP', 'LwM2M'] as const)[i % 4]!,
    proto_ver: 3 + (i % 3),
    created_at: NOW - 1000 * i,
    connected_at: NOW - 500 * i,
    mqueue_len: (i * 7) % 10,
    mqueue_dropped: (i * 3) % 5,
  };
  if (username !== null && username !== undefined) item.username = username;
  // Some offline sessions, one of them already past its expiry.
  if (i % 4 === 0) item.expires_at = i === 8 ? NOW - 1 : NOW + 60_000;
  return item;
});

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  await Promise.all(items.map((Item) => t.db.send(new PutCommand({ TableName: t.table.tableName, Item }))));
});
afterAll(() => t.drop());

async function scanWith(filter: ClientFilter): Promise<string[]> {
  const expression = toFilterExpression(conditionsOf(filter, { includeCreatedAt: true }), NOW);
  const found: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await t.db.send(
      new ScanCommand({
        TableName: t.table.tableName,
        FilterExpression: expression.expression,
        ExpressionAttributeNames: expression.names,
        ExpressionAttributeValues: expression.values,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) found.push(item.clientid as string);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found.sort();
}

function matchWith(filter: ClientFilter): string[] {
  const conditions = conditionsOf(filter, { includeCreatedAt: true });
  return items
    .filter((item) => (item.expires_at === undefined || (item.expires_at as number) > NOW) && matches(item, conditions))
    .map((item) => item.clientid)
    .sort();
}

const range = (min: number, max: number) =>
  fc.record({ gte: fc.integer({ min, max }), lte: fc.integer({ min, max }) }, { requiredKeys: [] });

const filterParts = {
  clientids: fc.uniqueArray(fc.constantFrom(...CLIENTIDS, 'absent'), { minLength: 1, maxLength: 6 }),
  usernames: fc.uniqueArray(fc.constantFrom('alice', 'al*ce', 'b.b', '100%', 'absent'), { minLength: 1, maxLength: 3 }),
  zone: fc.constantFrom('internal', 'external', 'other'),
  ip_address: fc.constantFrom('10.0.0.2', '2001:db8::3', '10.0.0.3'),
  conn_state: fc.constantFrom('connected', 'idle', 'disconnected' as const),
  clean_start: fc.boolean(),
  proto_name: fc.constantFrom('MQTT', 'MQTT-SN', 'CoAP', 'LwM2M' as const),
  proto_ver: fc.integer({ min: 2, max: 6 }),
  like_clientid: fc.constantFrom(...SUBSTRINGS),
  like_username: fc.constantFrom(...SUBSTRINGS),
  created_at: range(NOW - 20_000, NOW + 1000),
  connected_at: range(NOW - 10_000, NOW + 1000),
  mqueue_len: range(0, 10),
  mqueue_dropped: range(0, 5),
};

/** One to three filters at once, so that a fair share of them still match something. */
const filterArbitrary: fc.Arbitrary<ClientFilter> = fc
  .tuple(fc.record(filterParts), fc.shuffledSubarray(Object.keys(filterParts), { minLength: 1, maxLength: 3 }))
  .map(([all, keys]) => Object.fromEntries(keys.map((k) => [k, all[k as keyof typeof all]])) as ClientFilter);

describe('filter expression and in-memory predicate', () => {
  it('match the same items for literal special characters in substrings', async () => {
    for (const substring of SUBSTRINGS) {
      const expected = items.filter((i) => i.clientid.includes(substring) && Number(i.expires_at ?? Infinity) > NOW).map((i) => i.clientid).sort();
      expect(matchWith({ like_clientid: substring }), substring).toEqual(expected);
      expect(await scanWith({ like_clientid: substring }), substring).toEqual(expected);
    }
    // `*`, `.` and `%` are not wildcards: each matches only ids that contain it.
    expect(await scanWith({ like_clientid: '*' })).toEqual(['A*', 'a*b', 'a.b*c']);
    expect(await scanWith({ like_username: '.' })).toEqual(matchWith({ like_username: '.' }));
  });

  it('both hide sessions past their expiry', async () => {
    const expired = items.find((i) => i.expires_at === NOW - 1)!;
    expect(await scanWith({ clientids: [expired.clientid] })).toEqual([]);
    expect(matchWith({ clientids: [expired.clientid] })).toEqual([]);
  });

  it('treat inclusive range bounds alike', async () => {
    const item = items[3]!;
    const at = item.created_at as number;
    for (const r of [{ gte: at }, { lte: at }, { gte: at, lte: at }, { gte: at + 1 }, { lte: at - 1 }]) {
      expect(await scanWith({ created_at: r })).toEqual(matchWith({ created_at: r }));
    }
    expect(matchWith({ created_at: { gte: at, lte: at } })).toEqual([item.clientid]);
  });

  it('agree on random combinations of every filter (property)', async () => {
    let nonEmpty = 0;
    const runs = 200;
    await fc.assert(
      fc.asyncProperty(filterArbitrary, async (filter) => {
        const expected = matchWith(filter);
        if (expected.length > 0) nonEmpty++;
        expect(await scanWith(filter)).toEqual(expected);
      }),
      propertyRuns(runs),
    );
    // Agreement on empty results alone would prove little.
    expect(nonEmpty).toBeGreaterThan(runs / 4);
  });

  it('agree on single filters, most of which match something', async () => {
    const filters: ClientFilter[] = [
      { clientids: ['plain', 'a*b', 'absent'] },
      { usernames: ['alice', 'b.b'] },
      { zone: 'internal' },
      { ip_address: '2001:db8::3' },
      { conn_state: 'disconnected' },
      { clean_start: false },
      { proto_name: 'MQTT-SN' },
      { proto_ver: 4 },
      { mqueue_len: { gte: 5 } },
      { mqueue_dropped: { lte: 1 } },
      { connected_at: { gte: NOW - 3000, lte: NOW - 1000 } },
    ];
    for (const filter of filters) {
      const expected = matchWith(filter);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(await scanWith(filter), JSON.stringify(filter)).toEqual(expected);
    }
  });
});
