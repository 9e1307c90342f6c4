/** GET /clients through the real handler, against DynamoDB Local, with a fleet loaded through the session writer. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../functions/clients/cursor.js';
import { listHandler } from '../../functions/api/list-handler.js';
import { parseClientQuery } from '../../functions/clients/query-params.js';
import { orderKey } from '../../functions/sessions/keys.js';
import { COUNTER_KEY_PREFIX } from '../../functions/sessions/table.js';
import { isPersistent } from '../../functions/sessions/model.js';
import { cursorBody, signedWith, withField } from '../support/cursors.js';
import { createTestTable, TEST_CURSOR_SECRET, type TestTable } from '../support/dynamodb.js';
import { buildFleet, eventsFor, expectedClient, isListed, SPECIAL_CLIENTIDS, type SessionSpec } from '../support/fleet.js';
import { expectApiError, invoke, type HttpFunction, type ListResponseBody as ListBody } from '../support/api-calls.js';
import { listFunction, quietObservability } from '../support/handlers.js';
import { listEvent } from '../support/http.js';
import { listOrder } from '../support/ordering.js';
import { pagesByCursor, pagesByNumber, type Page } from '../support/paging.js';
import { RecordingStore } from '../support/recording-store.js';

const NOW = Date.now();
const fleet = buildFleet(NOW);
const listed = fleet.filter(isListed).sort((a, b) => listOrder(a.conn, b.conn));

let t: TestTable;
let handler: HttpFunction;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  handler = listFunction(t.env);
  await t.writer.applyAll(fleet.flatMap(eventsFor));
  await t.settle();
});
afterAll(() => t.drop());

async function list(rawQueryString: string): Promise<ListBody> {
  const response = await invoke<ListBody>(handler, listEvent(rawQueryString));
  if (response.status !== 200) throw new Error(`GET /clients?${rawQueryString}: ${response.status} ${response.raw}`);
  expect(response.headers['content-type']).toBe('application/json');
  return response.body;
}

const ids = (body: ListBody) => body.data.map((c) => c.clientid);
const expectedIds = (keep: (s: SessionSpec) => boolean) => listed.filter(keep).map((s) => s.conn.clientid);
const seconds = (ms: number) => Math.floor(ms / 1000);
const enc = encodeURIComponent;

// Fixed points of the fleet, for range filters.
const created = [...new Set(listed.map((s) => s.conn.created_at))].sort((a, b) => a - b);
const midLow = created[3]!;
const midHigh = created[8]!;

describe('GET /clients without filters', () => {
  it('lists every live session, newest first, ties by clientid byte order, as full client objects', async () => {
    const body = await list('_limit=1000');
    expect(body.code).toBe(0);
    expect(ids(body)).toEqual(listed.map((s) => s.conn.clientid));
    expect(body.data).toEqual(listed.map(expectedClient));
    expect(body.meta).toEqual({ page: 1, limit: 1000, hasnext: false, count: listed.length });
  });

  it('orders tied clientids by UTF-8 bytes, not UTF-16 units', async () => {
    const tied = ids(await list('_limit=1000')).filter((id) => SPECIAL_CLIENTIDS.includes(id));
    // U+FF21 is three UTF-8 bytes (EF ...), an emoji four (F0 ...): the emoji comes last in byte order.
    expect(tied.indexOf('ＡＢ')).toBeLessThan(tied.indexOf('🚀rocket'));
    expect(tied.indexOf('设备-1')).toBeLessThan(tied.indexOf('ＡＢ'));
    expect(tied.indexOf('Zed')).toBeLessThan(tied.indexOf('zed'));
    expect(tied).toEqual([...SPECIAL_CLIENTIDS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it('defaults to page 1 of 100', async () => {
    const body = await list('');
    expect(body.meta).toEqual({ page: 1, limit: 100, hasnext: false, count: listed.length });
    expect(body.data).toHaveLength(listed.length);
  });

  it('hides sessions that ended or expired without being swept', async () => {
    const hidden = fleet.filter((s) => !isListed(s));
    expect(hidden.map((s) => s.fate)).toContain('expired');
    expect(hidden.map((s) => s.fate)).toContain('ended');
    const all = new Set(ids(await list('_limit=1000')));
    for (const s of hidden) expect(all.has(s.conn.clientid)).toBe(false);
    const expired = hidden.find((s) => s.fate === 'expired')!;
    expect(ids(await list(`clientid=${expired.conn.clientid}`))).toEqual([]);
    expect(ids(await list(`conn_state=disconnected&_limit=1000`))).not.toContain(expired.conn.clientid);
  });
});

/** Each filter alone: the query string and, independently, which sessions it selects. */
const singleFilters: Array<[string, (s: SessionSpec) => boolean]> = [
  ['clientid=dev-07', (s) => s.conn.clientid === 'dev-07'],
  ['clientid=dev-03', () => false], // ended
  ['clientid=nobody', () => false],
  [`clientid=${enc(`${COUNTER_KEY_PREFIX}0`)}&clientid=${enc(`${COUNTER_KEY_PREFIX}1`)}`, () => false], // counter shards are no sessions
  [`clientid=${enc('a/b')}`, (s) => s.conn.clientid === 'a/b'],
  [`clientid=${enc('+')}`, (s) => s.conn.clientid === '+'],
  [`clientid=${enc('%25')}`, (s) => s.conn.clientid === '%25'],
  [`clientid=${enc('🚀rocket')}`, (s) => s.conn.clientid === '🚀rocket'],
  ['username=alice', (s) => s.conn.username === 'alice'],
  [`username=${enc('dan.%')}`, (s) => s.conn.username === 'dan.%'],
  ['zone=internal', (s) => s.conn.zone === 'internal'],
  ['zone=external', (s) => s.conn.zone === 'external'],
  ['ip_address=10.0.5.12', (s) => s.conn.ip_address === '10.0.5.12'],
  [`ip_address=${enc('::ffff:10.0.5.12')}`, (s) => s.conn.ip_address === '10.0.5.12'],
  [`ip_address=${enc('2001:db8::15')}`, (s) => s.conn.ip_address === '2001:db8::15'],
  [`ip_address=${enc('2001:0DB8:0000:0000:0000:0000:0000:0015')}`, (s) => s.conn.ip_address === '2001:db8::15'],
  ['ip_address=192.0.2.1', () => false], // only the taken-over connections had it
  ['conn_state=connected', (s) => s.fate !== 'disconnected'],
  ['conn_state=disconnected', (s) => s.fate === 'disconnected'],
  ['conn_state=idle', () => false],
  ['clean_start=true', (s) => s.conn.clean_start],
  ['clean_start=false', (s) => !s.conn.clean_start],
  ['proto_name=MQTT', (s) => s.conn.proto_name === 'MQTT'],
  ['proto_name=MQTT-SN', (s) => s.conn.proto_name === 'MQTT-SN'],
  ['proto_name=CoAP', (s) => s.conn.proto_name === 'CoAP'],
  ['proto_name=LwM2M', (s) => s.conn.proto_name === 'LwM2M'],
  ['proto_ver=5', (s) => s.conn.proto_ver === 5],
  ['proto_ver=3', (s) => s.conn.proto_ver === 3],
  ['_like_clientid=dev-1', (s) => s.conn.clientid.includes('dev-1')],
  ['_like_clientid=5', (s) => s.conn.clientid.includes('5')],
  [`_like_clientid=${enc('*')}`, (s) => s.conn.clientid.includes('*')],
  [`_like_clientid=${enc('?')}`, (s) => s.conn.clientid.includes('?')],
  [`_like_clientid=${enc('[')}`, (s) => s.conn.clientid.includes('[')],
  [`_like_clientid=${enc('(')}`, (s) => s.conn.clientid.includes('(')],
  [`_like_clientid=${enc('%')}`, (s) => s.conn.clientid.includes('%')],
  [`_like_clientid=${enc('.')}`, (s) => s.conn.clientid.includes('.')],
  [`_like_clientid=${enc('设备')}`, (s) => s.conn.clientid.includes('设备')],
  ['_like_username=o', (s) => s.conn.username?.includes('o') ?? false],
  [`_like_username=${enc('.%')}`, (s) => s.conn.username?.includes('.%') ?? false],
  [`_like_username=${enc('%')}`, (s) => s.conn.username?.includes('%') ?? false],
  [`_gte_created_at=${seconds(midHigh)}`, (s) => s.conn.created_at >= seconds(midHigh) * 1000],
  [`_lte_created_at=${seconds(midLow)}`, (s) => s.conn.created_at <= seconds(midLow) * 1000],
  [`_gte_created_at=${midHigh}`, (s) => s.conn.created_at >= midHigh],
  [`_lte_created_at=${midLow}`, (s) => s.conn.created_at <= midLow],
  [`_gte_created_at=${enc(new Date(midHigh).toISOString())}`, (s) => s.conn.created_at >= midHigh],
  [`_lte_created_at=${enc(new Date(midLow).toISOString())}`, (s) => s.conn.created_at <= midLow],
  [`_gte_created_at=${seconds(midLow)}&_lte_created_at=${seconds(midHigh)}`, (s) => s.conn.created_at >= seconds(midLow) * 1000 && s.conn.created_at <= seconds(midHigh) * 1000],
  [`_gte_created_at=${midLow}&_lte_created_at=${midLow}`, (s) => s.conn.created_at === midLow],
  [`_gte_created_at=${midLow + 1}&_lte_created_at=${midLow + 1}`, () => false],
  [`_gte_connected_at=${seconds(midHigh)}`, (s) => s.conn.connected_at >= seconds(midHigh) * 1000],
  [`_lte_connected_at=${midLow + 1000}`, (s) => s.conn.connected_at <= midLow + 1000],
  [`_gte_connected_at=${enc(new Date(midLow).toISOString().replace('Z', '+00:00'))}&_lte_connected_at=${midHigh}`, (s) => s.conn.connected_at >= midLow && s.conn.connected_at <= midHigh],
  ['_gte_mqueue_len=10', (s) => s.mqueue_len >= 10],
  ['_lte_mqueue_len=2', (s) => s.mqueue_len <= 2],
  ['_gte_mqueue_len=3&_lte_mqueue_len=5', (s) => s.mqueue_len >= 3 && s.mqueue_len <= 5],
  ['_gte_mqueue_dropped=3', (s) => s.mqueue_dropped >= 3],
  ['_lte_mqueue_dropped=0', (s) => s.mqueue_dropped <= 0],
  ['clientid=dev-00&clientid=dev-05&clientid=dev-03&clientid=nobody&clientid=zed', (s) => ['dev-00', 'dev-05', 'zed'].includes(s.conn.clientid)],
  ['username=alice&username=carol', (s) => s.conn.username === 'alice' || s.conn.username === 'carol'],
];

const combinations: Array<[string, (s: SessionSpec) => boolean]> = [
  ['conn_state=connected&username=alice', (s) => s.fate !== 'disconnected' && s.conn.username === 'alice'],
  ['conn_state=disconnected&zone=external&clean_start=false', (s) => s.fate === 'disconnected' && s.conn.zone === 'external'],
  [`conn_state=connected&_gte_created_at=${midLow}&_lte_created_at=${midHigh}`, (s) => s.fate !== 'disconnected' && s.conn.created_at >= midLow && s.conn.created_at <= midHigh],
  [`_gte_created_at=${midLow}&_like_clientid=dev&proto_name=MQTT`, (s) => s.conn.created_at >= midLow && s.conn.clientid.includes('dev') && s.conn.proto_name === 'MQTT'],
  ['_gte_mqueue_len=5&conn_state=connected&zone=external', (s) => s.mqueue_len >= 5 && s.fate !== 'disconnected' && s.conn.zone === 'external'],
  ['_gte_mqueue_len=1&_gte_mqueue_dropped=1&username=bob', (s) => s.mqueue_len >= 1 && s.mqueue_dropped >= 1 && s.conn.username === 'bob'],
  ['clientid=dev-00&clientid=dev-01&clientid=dev-02&zone=internal', (s) => ['dev-00', 'dev-01', 'dev-02'].includes(s.conn.clientid) && s.conn.zone === 'internal'],
  [`clientid=dev-10&clientid=dev-20&clientid=dev-30&_gte_created_at=${created[5]}`, (s) => ['dev-10', 'dev-20', 'dev-30'].includes(s.conn.clientid) && s.conn.created_at >= created[5]!],
  ['clientid=dev-12&clientid=dev-13&_gte_mqueue_len=4', (s) => ['dev-12', 'dev-13'].includes(s.conn.clientid) && s.mqueue_len >= 4],
  ['username=alice&username=bob&proto_ver=4&clean_start=true', (s) => ['alice', 'bob'].includes(s.conn.username ?? '') && s.conn.proto_ver === 4 && s.conn.clean_start],
  [`ip_address=${enc('2001:db8::11')}&conn_state=connected`, (s) => s.conn.ip_address === '2001:db8::11' && s.fate !== 'disconnected'],
  ['zone=internal&zone=internal&proto_name=CoAP', (s) => s.conn.zone === 'internal' && s.conn.proto_name === 'CoAP'],
  ['username=alice&zone=nowhere', () => false],
  // Inverted ranges select nothing (and must not reach DynamoDB as an inverted BETWEEN).
  [`_gte_created_at=${midHigh}&_lte_created_at=${midLow}`, () => false],
  [`conn_state=connected&_gte_created_at=${midHigh}&_lte_created_at=${midLow}`, () => false],
  [`_gte_connected_at=${midHigh}&_lte_connected_at=${midLow}`, () => false],
  ['_gte_mqueue_len=5&_lte_mqueue_len=4', () => false],
];

/** Filter parts for random combinations: a query-string fragment and the sessions it selects. */
const filterParts = {
  username: fc.constantFrom('alice', 'bob', 'carol', 'dan.%', 'special').map((u) => [`username=${enc(u)}`, (s: SessionSpec) => s.conn.username === u] as const),
  zone: fc.constantFrom('internal', 'external').map((z) => [`zone=${z}`, (s: SessionSpec) => s.conn.zone === z] as const),
  conn_state: fc.constantFrom('connected', 'disconnected').map((c) => [`conn_state=${c}`, (s: SessionSpec) => (s.fate === 'disconnected') === (c === 'disconnected')] as const),
  clean_start: fc.boolean().map((b) => [`clean_start=${b}`, (s: SessionSpec) => s.conn.clean_start === b] as const),
  proto_name: fc.constantFrom('MQTT', 'MQTT-SN', 'CoAP').map((p) => [`proto_name=${p}`, (s: SessionSpec) => s.conn.proto_name === p] as const),
  proto_ver: fc.constantFrom(1, 3, 4, 5).map((v) => [`proto_ver=${v}`, (s: SessionSpec) => s.conn.proto_ver === v] as const),
  like_clientid: fc.constantFrom('dev-1', '2', '-', 'e', '%', '*').map((v) => [`_like_clientid=${enc(v)}`, (s: SessionSpec) => s.conn.clientid.includes(v)] as const),
  created_at: fc.tuple(fc.integer({ min: 0, max: created.length - 1 }), fc.integer({ min: 0, max: created.length - 1 })).map(([a, b]) => {
    const [gte, lte] = [created[a]!, created[b]!];
    return [`_gte_created_at=${gte}&_lte_created_at=${lte}`, (s: SessionSpec) => s.conn.created_at >= gte && s.conn.created_at <= lte] as const;
  }),
  connected_at: fc.integer({ min: 0, max: created.length - 1 }).map((i) => [`_gte_connected_at=${created[i]}`, (s: SessionSpec) => s.conn.connected_at >= created[i]!] as const),
  mqueue_len: fc.integer({ min: 0, max: 12 }).map((n) => [`_gte_mqueue_len=${n}`, (s: SessionSpec) => s.mqueue_len >= n] as const),
  mqueue_dropped: fc.integer({ min: 0, max: 3 }).map((n) => [`_lte_mqueue_dropped=${n}`, (s: SessionSpec) => s.mqueue_dropped <= n] as const),
  clientids: fc.uniqueArray(fc.constantFrom(...fleet.map((s) => s.conn.clientid)), { minLength: 1, maxLength: 8 }).map((wanted) =>
    [wanted.map((id) => `clientid=${enc(id)}`).join('&'), (s: SessionSpec) => wanted.includes(s.conn.clientid)] as const,
  ),
};

const randomQuery = fc
  .tuple(fc.record(filterParts), fc.shuffledSubarray(Object.keys(filterParts), { minLength: 1, maxLength: 3 }), fc.constantFrom(1, 2, 5, 1000))
  .map(([all, keys, limit]) => {
    const parts = keys.map((k) => all[k as keyof typeof all]);
    return { qs: parts.map(([q]) => q).join('&'), keep: (s: SessionSpec) => parts.every(([, p]) => p(s)), limit };
  });

describe('GET /clients with one filter', () => {
  it.each(singleFilters)('%s', async (qs, keep) => {
    const body = await list(`${qs}&_limit=1000`);
    expect(ids(body)).toEqual(expectedIds(keep));
    expect(body.data).toEqual(listed.filter(keep).map(expectedClient));
  });

  it('the filters above are not vacuous: most select some but not all sessions', () => {
    const sizes = singleFilters.map(([, keep]) => listed.filter(keep).length);
    expect(sizes.filter((n) => n > 0 && n < listed.length).length).toBeGreaterThan(singleFilters.length * 0.7);
  });
});

describe('GET /clients with combined filters', () => {
  it.each(combinations)('%s', async (qs, keep) => {
    expect(ids(await list(`${qs}&_limit=1000`))).toEqual(expectedIds(keep));
  });

  it('random combinations of up to three filters give the first page of what the spec selects (property)', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(randomQuery, async ({ qs, keep, limit }) => {
        const expected = expectedIds(keep);
        if (expected.length > 0) nonEmpty++;
        const body = await list(`${qs}&_limit=${limit}`);
        expect(ids(body), qs).toEqual(expected.slice(0, limit));
        expect(body.meta.hasnext, qs).toBe(expected.length > limit);
      }),
      { numRuns: 100, seed: 20261126 },
    );
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('the combinations above are not vacuous', () => {
    expect(combinations.filter(([, keep]) => listed.some(keep)).length).toBeGreaterThanOrEqual(combinations.length - 5);
  });
});

describe('GET /clients paging', () => {
  const pagedFilters: Array<[string, (s: SessionSpec) => boolean]> = [
    ['', () => true],
    ['conn_state=connected', (s) => s.fate !== 'disconnected'],
    ['conn_state=disconnected', (s) => s.fate === 'disconnected'],
    ['username=alice', (s) => s.conn.username === 'alice'],
    ['_like_clientid=dev-1', (s) => s.conn.clientid.includes('dev-1')],
    [`_gte_created_at=${midLow}&_lte_created_at=${midHigh}`, (s) => s.conn.created_at >= midLow && s.conn.created_at <= midHigh],
    ['_gte_mqueue_len=6', (s) => s.mqueue_len >= 6],
    [`conn_state=connected&_gte_mqueue_dropped=1&zone=external`, (s) => s.fate !== 'disconnected' && s.mqueue_dropped >= 1 && s.conn.zone === 'external'],
    [
      `clientid=dev-00&clientid=dev-02&clientid=dev-04&clientid=dev-05&clientid=dev-07&clientid=dev-08&clientid=${enc('a/b')}&clientid=${enc('#')}`,
      (s) => ['dev-00', 'dev-02', 'dev-04', 'dev-05', 'dev-07', 'a/b', '#'].includes(s.conn.clientid),
    ],
  ];

  function checkPages(pages: Page[], expected: string[], limit: number) {
    expect(pages.flatMap((p) => p.clientids)).toEqual(expected);
    pages.forEach((page, i) => {
      const last = i === pages.length - 1;
      expect(page.meta.page).toBe(i + 1);
      expect(page.meta.limit).toBe(limit);
      expect(page.meta.hasnext).toBe(!last);
      expect(page.meta.cursor === undefined).toBe(last);
      expect(page.clientids.length).toBe(last ? expected.length - i * limit : limit);
    });
    // Exact hasnext: no trailing empty page, unless the whole result is empty.
    expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / limit)));
  }

  it.each(pagedFilters)('pages by _page and by _cursor both give the full ordered result: %s', async (qs, keep) => {
    const expected = expectedIds(keep);
    expect(expected.length).toBeGreaterThan(2);
    // Exact hasnext at the edges (n and n - 1), and small pages; the smallest only where the result is small.
    const limits = new Set([7, expected.length, expected.length - 1]);
    if (expected.length <= 30) limits.add(3);
    if (expected.length <= 16) limits.add(1);
    for (const limit of limits) {
      checkPages(await pagesByNumber(list, qs, limit, expected.length), expected, limit);
      checkPages(await pagesByCursor(list, qs, limit, expected.length), expected, limit);
    }
  });

  it('answers a page past the end with no rows and no next page', async () => {
    const body = await list(`_limit=10&_page=${Math.ceil(listed.length / 10) + 1}`);
    expect(body.data).toEqual([]);
    expect(body.meta).toMatchObject({ hasnext: false, count: listed.length });
    expect(body.meta.cursor).toBeUndefined();
    expect((await list('clientid=dev-00&_page=2')).data).toEqual([]);
  });

  it('continues from a cursor, which carries its own page number', async () => {
    const first = await list('_limit=5');
    const cursor = first.meta.cursor!;
    const rest = await list(`_limit=1000&_cursor=${enc(cursor)}`);
    expect(ids(rest)).toEqual(listed.slice(5).map((s) => s.conn.clientid));
    expect(rest.meta.page).toBe(2);
    // A cursor carries its position, so _page is ignored next to it.
    expect(ids(await list(`_limit=1000&_page=9&_cursor=${enc(cursor)}`))).toEqual(ids(rest));
  });
});

describe('GET /clients meta.count', () => {
  it('is exact with no filter and with only conn_state, -1 with any other filter', async () => {
    const byFate = (keep: (s: SessionSpec) => boolean) => listed.filter(keep).length;
    expect((await list('_limit=1')).meta.count).toBe(listed.length);
    expect((await list('_page=3&_limit=2')).meta.count).toBe(listed.length);
    expect((await list('conn_state=connected&_limit=1')).meta.count).toBe(byFate((s) => s.fate !== 'disconnected'));
    expect((await list('conn_state=disconnected&_limit=1')).meta.count).toBe(byFate((s) => s.fate === 'disconnected'));
    expect((await list('conn_state=idle')).meta.count).toBe(0);
    for (const qs of ['username=alice', 'clientid=dev-00', 'conn_state=connected&zone=internal', '_gte_mqueue_len=0', `_gte_created_at=${midLow}`]) {
      expect((await list(qs)).meta.count, qs).toBe(-1);
    }
  });
});

describe('GET /clients access paths', () => {
  const store = () => new RecordingStore(t.db, t.table);
  const run = async (recording: RecordingStore, qs: string) => {
    const recorded = listHandler({ ...quietObservability(), store: recording, cursorSecret: 'access-path-secret-0123', listBudgetMs: 3_000 });
    const response = await invoke<ListBody>(recorded, listEvent(qs));
    expect(response.status).toBe(200);
    return ids(response.body);
  };

  it('reads named clientids by key, with no index query', async () => {
    const recording = store();
    expect(await run(recording, 'clientid=dev-00&clientid=zed&clientid=dev-01')).toEqual(expectedIds((s) => ['dev-00', 'zed', 'dev-01'].includes(s.conn.clientid)));
    expect(recording.queries).toEqual([]);
    expect(recording.batchGets.flat()).toEqual(expect.arrayContaining(['dev-00', 'zed', 'dev-01']));
  });

  it('walks only the partitions that can hold the asked connection state', async () => {
    const recording = store();
    await run(recording, 'conn_state=disconnected&_limit=1000');
    // The exact count of disconnected sessions subtracts the expired ones, counted on by-expiry.
    const counting = recording.queries.filter((q) => q.input.IndexName === 'by-expiry');
    for (const { input } of counting) expect(input.Select).toBe('COUNT');
    const walking = recording.queries.filter((q) => q.input.IndexName !== 'by-expiry');
    expect(walking.length).toBeGreaterThanOrEqual(t.table.shards);
    for (const { input } of walking) {
      expect(input.IndexName).toBe('by-conn-state');
      expect(String(input.ExpressionAttributeValues?.[':pk'])).toMatch(/^disconnected#\d+$/);
    }
    // Every entry read is of a session that outlives its connection (connected, offline or expired): no session that ends with its connection was read.
    const read = walking.reduce((n, q) => n + q.scanned, 0);
    expect(read).toBe(fleet.filter((s) => s.fate !== 'ended' && isPersistent(s.conn)).length);
    expect(read).toBeLessThan(fleet.filter((s) => s.fate !== 'ended').length);
  });

  it('bounds a created_at range by order keys, reading only the sessions created in it', async () => {
    const recording = store();
    const inRange = (s: SessionSpec) => s.conn.created_at >= midLow && s.conn.created_at <= midHigh;
    expect(await run(recording, `_gte_created_at=${midLow}&_lte_created_at=${midHigh}&_limit=1000`)).toEqual(expectedIds(inRange));
    for (const { input } of recording.queries) expect(input.IndexName).toBe('by-conn-state');
    const indexed = fleet.filter((s) => s.fate !== 'ended' && inRange(s)).length;
    expect(recording.queries.reduce((n, q) => n + q.scanned, 0)).toBe(indexed);
  });

  it('walks every stored state\'s partitions of by-conn-state otherwise, and stops reading once the page and hasnext are known', async () => {
    const indexed = fleet.filter((s) => s.fate !== 'ended').length;
    const scanned = (r: RecordingStore) => r.queries.filter((q) => q.input.IndexName !== 'by-expiry').reduce((n, q) => n + q.scanned, 0);
    const first = store();
    expect(await run(first, '_limit=2')).toEqual(listed.slice(0, 2).map((s) => s.conn.clientid));
    const partitions = 2 * t.table.shards;
    expect(new Set(first.queries.filter((q) => q.input.IndexName === 'by-conn-state').map((q) => q.input.ExpressionAttributeValues?.[':pk'])).size).toBe(partitions);
    expect(scanned(first)).toBeLessThanOrEqual(4 * partitions);
    const filtered = store();
    expect(await run(filtered, 'zone=internal&_limit=2')).toEqual(expectedIds((s) => s.conn.zone === 'internal').slice(0, 2));
    for (const { input } of filtered.queries) expect(input.IndexName).toBe('by-conn-state');
    expect(scanned(filtered)).toBeLessThan(indexed);
  });

  it('walks by-username-key for a username, reading only that username\'s entries and items', async () => {
    const recording = store();
    const bobs = expectedIds((s) => s.conn.username === 'bob');
    expect(bobs.length).toBeGreaterThan(0);
    expect(await run(recording, 'username=bob&_limit=1000')).toEqual(bobs);
    const walked = recording.queries.filter((q) => q.input.IndexName !== 'by-expiry');
    for (const { input } of walked) expect(input.IndexName).toBe('by-username-key');
    // Keys only: every live session of bob's is an entry, and its item says whether to list it.
    const indexed = fleet.filter((s) => s.conn.username === 'bob' && s.fate !== 'ended').map((s) => s.conn.clientid);
    expect(walked.reduce((n, q) => n + q.scanned, 0)).toBe(indexed.length);
    expect(recording.batchGets.flat().sort()).toEqual([...indexed].sort());
  });

  it('checks message-queue filters on full items fetched along the walk', async () => {
    const recording = store();
    expect(await run(recording, '_gte_mqueue_len=11&_limit=1000')).toEqual(expectedIds((s) => s.mqueue_len >= 11));
    for (const { input } of recording.queries) {
      expect(input.IndexName).toBe('by-conn-state');
      expect(JSON.stringify(input)).not.toContain('mqueue');
    }
    expect(recording.batchGets.flat().length).toBeGreaterThanOrEqual(listed.length);
  });
});

describe('GET /clients refuses bad parameters with 400 {code: 108} naming the parameter', () => {
  const long = 'x'.repeat(2049);
  const bad: Array<[string, string]> = [
    ['_limit=0', '_limit'],
    ['_limit=1001', '_limit'],
    ['_limit=ten', '_limit'],
    ['_page=0', '_page'],
    ['_page=-2', '_page'],
    ['conn_state=online', 'conn_state'],
    ['clean_start=yes', 'clean_start'],
    ['proto_name=mqtt', 'proto_name'],
    ['proto_ver=300', 'proto_ver'],
    ['ip_address=10.0.0.256', 'ip_address'],
    ['_gte_created_at=yesterday', '_gte_created_at'],
    ['_lte_created_at=2026-01-01', '_lte_created_at'],
    ['_gte_connected_at=-1', '_gte_connected_at'],
    ['_lte_connected_at=1.5', '_lte_connected_at'],
    ['_gte_mqueue_len=x', '_gte_mqueue_len'],
    ['_lte_mqueue_len=-1', '_lte_mqueue_len'],
    ['_gte_mqueue_dropped=1e3', '_gte_mqueue_dropped'],
    ['_lte_mqueue_dropped=x', '_lte_mqueue_dropped'],
    ['zone=a&zone=b', 'zone'],
    [`clientid=${long}`, 'clientid'],
    [`username=${long}`, 'username'],
    [`_like_clientid=${long}`, '_like_clientid'],
    ['_cursor=bogus', '_cursor'],
  ];

  it.each(bad.map(([qs, parameter]) => [qs.length > 60 ? `${qs.slice(0, 40)}… (${qs.length} chars)` : qs, qs, parameter]))('%s', async (_, qs, parameter) => {
    expectApiError(await invoke(handler, listEvent(qs)), 400, 108, parameter);
  });

  it('a cursor used with other filters', async () => {
    const cursor = (await list('conn_state=connected&_limit=2')).meta.cursor!;
    expectApiError(await invoke(handler, listEvent(`conn_state=disconnected&_cursor=${enc(cursor)}`)), 400, 108, '_cursor');
    expectApiError(await invoke(handler, listEvent(`_cursor=${enc(cursor)}`)), 400, 108, '_cursor');
  });

  it('a cursor whose payload the caller changed to another valid position, the signature kept', async () => {
    const cursor = (await list('_limit=2')).meta.cursor!;
    const { a: after, p: page } = cursorBody(cursor);
    const target = listed[5]!.conn;
    expect(after).not.toBe(orderKey(target.created_at, target.clientid));
    const changes = [withField(cursor, 'p', page + 3), withField(cursor, 'a', orderKey(target.created_at, target.clientid))];
    for (const { payload, tampered } of changes) {
      // The changed payload is a position the API would serve if it were signed.
      const resigned = await invoke<ListBody>(handler, listEvent(`_limit=2&_cursor=${enc(signedWith(TEST_CURSOR_SECRET, payload))}`));
      expect(resigned.status).toBe(200);
      expectApiError(await invoke(handler, listEvent(`_limit=2&_cursor=${enc(tampered)}`)), 400, 108, '_cursor');
    }
  });

  it('a cursor signed with another secret', async () => {
    const own = (await list('_limit=2')).meta.cursor!;
    const foreign = encodeCursor('another-deployment-secret-0001', parseClientQuery('_limit=2').filter, { after: cursorBody(own).a, page: 2 });
    expectApiError(await invoke(handler, listEvent(`_limit=2&_cursor=${enc(foreign)}`)), 400, 108, '_cursor');
  });

  it('a malformed event is a 500 {code: 102} with nothing of the failure in it', async () => {
    for (const event of [{}, null, 'GET /clients', { version: '2.0', rawQueryString: '' }]) {
      expectApiError(await invoke(handler, event), 500, 102, 'internal error');
    }
  });
});
