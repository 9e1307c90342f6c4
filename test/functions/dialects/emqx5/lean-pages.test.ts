/**
 * Lean pages: when every field asked for with `fields=` is in the narrow
 * index projection, a page is served from the index walk alone, without a
 * BatchGetItem of sessions, and shows the same values as a page read from full items.
 * Against DynamoDB Local, with the requests counted by a recording store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessions } from '../../../../functions/clients/list-clients.js';
import { parseClientQuery } from '../../../../functions/clients/query-params.js';
import { toClient } from '../../../../functions/clients/render.js';
import type { Dialect, ListParser } from '../../../../functions/dialects/dialect.js';
import { EMQX4_GRAMMAR } from '../../../../functions/dialects/emqx4/query.js';
import { EMQX5_DIALECT } from '../../../../functions/dialects/emqx5/index.js';
import { parseEmqx5List } from '../../../../functions/dialects/emqx5/list.js';
import { COUNTER_KEY_PREFIX } from '../../../../functions/sessions/table.js';
import { connected, connection, disconnected, statistics } from '../../../support/sessions.js';
import { createTestTable, TEST_CURSOR_SECRET, type TestTable } from '../../../support/dynamodb.js';
import { RecordingStore } from '../../../support/recording-store.js';

const NOW = Date.now();
const SESSIONS = 30;
/** Every field of the 5.x object that the narrow projection holds, or that needs nothing stored. */
const LEAN_FIELDS = 'clientid,username,node,connected,connected_at,created_at,clean_start,proto_name,proto_ver,ip_address,is_expired,durable,client_attrs';

let t: TestTable;
let store: RecordingStore;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  store = new RecordingStore(t.db, t.table);
  const events = Array.from({ length: SESSIONS }, (_, i) => {
    const conn = connection({
      clientid: `lean-${String(i).padStart(2, '0')}`,
      username: `tenant-${i % 3}`,
      connected_at: NOW - 60_000 + i * 1000,
      clean_start: i % 2 === 0,
      expiry_interval: i % 2 === 0 ? 0 : 3600,
      proto_ver: i % 4 === 0 ? 5 : 4,
    });
    const events = [connected(conn), statistics(conn, 1, { inflight: i, recv_oct: 100 + i })];
    // Every fourth persistent session is offline.
    if (i % 4 === 1) events.push(disconnected(conn, conn.connected_at + 500));
    return events;
  }).flat();
  await t.writer.applyAll(events);
});
afterAll(() => t.drop());

const EMQX5 = { ...EMQX5_DIALECT, parseList: parseEmqx5List };

async function page(dialect: Dialect & { parseList: ListParser }, raw: string, action: 'listClients' | 'listClientsByCursor' = 'listClients') {
  const request = dialect.parseList(raw, {}, action);
  store.reset();
  const result = await listSessions({ store, now: Date.now(), cursorSecret: TEST_CURSOR_SECRET }, request.query);
  // The exact count reads the counter shards by key too; only reads of sessions count here.
  const batchGets = store.batchGets.filter((keys) => keys.some((key) => !key.startsWith(COUNTER_KEY_PREFIX))).length;
  return { batchGets, queries: store.queries.length, body: JSON.parse(dialect.renderList(result, request).body) as { data: Array<Record<string, unknown>>; meta: Record<string, unknown> } };
}

describe('lean pages', () => {
  it('/api/v5/clients?fields=<narrow fields>: no BatchGetItem, the same rows and values as the full page', async () => {
    const lean = await page(EMQX5, `fields=${LEAN_FIELDS}&limit=20`);
    expect(lean.batchGets).toBe(0);
    expect(lean.queries).toBeGreaterThan(0);
    const full = await page(EMQX5, 'limit=20');
    expect(full.batchGets).toBeGreaterThan(0);
    const fields = LEAN_FIELDS.split(',');
    const picked = full.body.data.map((client) => Object.fromEntries(fields.filter((f) => f in client).map((f) => [f, client[f]])));
    expect(lean.body.data).toEqual(picked);
    expect(lean.body.data).toHaveLength(20);
    expect(lean.body.meta).toEqual(full.body.meta);
    expect(lean.body.data.some((c) => c.connected === false)).toBe(true);
  });

  it('with filters the index serves (conn_state, times, substrings), still no BatchGetItem', async () => {
    for (const filter of ['conn_state=connected', `gte_created_at=${NOW - 45_000}`, 'like_clientid=lean-1', 'clean_start=false&proto_ver=4']) {
      const lean = await page(EMQX5, `fields=clientid,connected&${filter}`);
      const full = await page(EMQX5, `fields=clientid,connected,recv_oct&${filter}`);
      expect({ filter, batchGets: lean.batchGets }).toEqual({ filter, batchGets: 0 });
      expect(full.batchGets).toBeGreaterThan(0);
      expect(lean.body.data.map((c) => c.clientid)).toEqual(full.body.data.map((c) => c.clientid));
      expect(lean.body.data.length).toBeGreaterThan(0);
    }
  });

  it('a username page reads the items its keys-only index names, lean fields or not, and shows the same rows', async () => {
    const lean = await page(EMQX5, 'fields=clientid,connected&username=tenant-1');
    const full = await page(EMQX5, 'fields=clientid,connected,recv_oct&username=tenant-1');
    expect(lean.batchGets).toBeGreaterThan(0);
    expect(lean.body.data.length).toBeGreaterThan(0);
    expect(lean.body.data.map((c) => c.clientid)).toEqual(full.body.data.map((c) => c.clientid));
    expect(lean.body.data.map((c) => c.connected)).toEqual(full.body.data.map((c) => c.connected));
  });

  it('clients_v2: cursor pages of lean fields concatenate to every session once, without a BatchGetItem', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(EMQX5, `fields=clientid&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 'listClientsByCursor');
      expect(next.batchGets).toBe(0);
      seen.push(...next.body.data.map((c) => c.clientid as string));
      cursor = next.body.meta.cursor as string | undefined;
    } while (cursor);
    expect(seen).toHaveLength(SESSIONS);
    expect(new Set(seen).size).toBe(SESSIONS);
  });

  it('a field the index does not hold (inflight_cnt, disconnected_at) reads the full items', async () => {
    expect((await page(EMQX5, 'fields=clientid,inflight_cnt')).batchGets).toBeGreaterThan(0);
    expect((await page(EMQX5, 'fields=clientid,disconnected_at')).batchGets).toBeGreaterThan(0);
  });

  it('a clientid list is read by key, as without fields (one BatchGetItem, no index walk)', async () => {
    const byKey = await page(EMQX5, 'fields=clientid,node&clientid=lean-03&clientid=lean-04');
    expect(byKey.queries).toBe(0);
    expect(byKey.body.data.map((c) => c.clientid).sort()).toEqual(['lean-03', 'lean-04']);
  });

  it('native and /api/v4 fields=: the same lean walk; fields the index does not hold are left out, never shown as zeros', async () => {
    const native = await page(
      { ...EMQX5, parseList: (raw) => { const query = parseClientQuery(raw); return { query, shownPage: query.page }; }, renderList: (p) => ({ statusCode: 200, body: JSON.stringify({ data: p.sessions.map(toClient), meta: p.meta }) }) },
      'fields=clientid,username,connected&_limit=5',
    );
    expect(native.batchGets).toBe(0);
    expect(native.body.data).toHaveLength(5);
    for (const client of native.body.data) {
      expect(client).toMatchObject({ clientid: expect.any(String), username: expect.any(String), connected: expect.any(Boolean) });
      expect(client).not.toHaveProperty('recv_oct');
      expect(client).not.toHaveProperty('inflight');
    }
    expect(parseClientQuery('fields=clientid,connected', EMQX4_GRAMMAR).fields).toEqual(['clientid', 'connected']);
  });

  it('fields= on the native and /api/v4 lists: all means every field; a malformed or unknown name is a 400 code 108', () => {
    expect(parseClientQuery('fields=all').fields).toBeUndefined();
    expect(parseClientQuery('fields=clientid,,recv_msg.qos0', EMQX4_GRAMMAR).fields).toEqual(['clientid', 'recv_msg.qos0']);
    expect(() => parseClientQuery('fields=clientid,recv_msg.qos0')).toThrow(expect.objectContaining({ reason: expect.objectContaining({ kind: 'invalid-parameter', parameter: 'fields' }) }));
    expect(() => parseClientQuery('fields=client id')).toThrow(expect.objectContaining({ reason: expect.objectContaining({ kind: 'invalid-parameter', parameter: 'fields' }) }));
    expect(() => parseClientQuery('fields=,', EMQX4_GRAMMAR)).toThrow(expect.objectContaining({ reason: expect.objectContaining({ kind: 'invalid-parameter', parameter: 'fields' }) }));
  });
});
