/**
 * GET /clients meta.count as sessions come, go and expire, and cursor paging
 * while the table changes. Every test changes the table, so each has its own,
 * loaded with the same fleet, and stands alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHandlers, type Handler } from '../support/handlers.js';
import { createTestTable, TEST_CURSOR_SECRET, type TestTable } from '../support/dynamodb.js';
import { invoke, type ListResponseBody } from '../support/api-calls.js';
import { listEvent } from '../support/http.js';
import { connected, connection, disconnected, terminated } from '../support/sessions.js';

let t: TestTable;
let handler: Handler;

beforeEach(async () => {
  t = await createTestTable({ shards: 3 });
  handler = apiHandlers({ db: t.db, table: t.table, cursorSecret: TEST_CURSOR_SECRET }).list;
});
afterEach(() => t.drop());

/** The counts follow the table's stream: every listing first applies what was written. */
async function list(rawQueryString = ''): Promise<ListResponseBody> {
  await t.settle();
  const response = await invoke<ListResponseBody>(handler, listEvent(rawQueryString));
  expect(response.status).toBe(200);
  return response.body;
}

const count = async (rawQueryString = '') => (await list(rawQueryString)).meta.count;
const ids = (body: ListResponseBody) => body.data.map((c) => c.clientid);

async function counts() {
  return {
    all: await count(),
    connected: await count('conn_state=connected'),
    disconnected: await count('conn_state=disconnected'),
    idle: await count('conn_state=idle'),
  };
}

const HOUR = 3600_000;
const start = Date.now() - 5 * HOUR;
const persistent = (clientid: string, connectedAt: number, expirySeconds: number) =>
  connection({ clientid, connected_at: connectedAt, clean_start: false, expiry_interval: expirySeconds });

/** Five connected sessions, three offline persistent ones, two that ended: eight live. */
async function loadFleet(): Promise<void> {
  const events = [];
  for (let i = 0; i < 5; i++) events.push(connected(connection({ clientid: `on-${i}`, connected_at: start + i * 1000 })));
  for (let i = 0; i < 3; i++) {
    const conn = persistent(`off-${i}`, start + i * 1000, 86_400);
    events.push(connected(conn), disconnected(conn, Date.now() - 60_000));
  }
  for (let i = 0; i < 2; i++) {
    const conn = connection({ clientid: `gone-${i}`, connected_at: start });
    events.push(connected(conn), disconnected(conn, start + 1000));
  }
  await t.writer.applyAll(events);
}

const FLEET_COUNTS = { all: 8, connected: 5, disconnected: 3, idle: 0 };

/** The fleet, plus an offline persistent session whose expiry passed an hour ago and that no sweep has ended. */
async function loadFleetWithUnsweptExpiry(): Promise<void> {
  await loadFleet();
  const conn = persistent('expired-0', start, 60);
  await t.writer.applyAll([connected(conn), disconnected(conn, Date.now() - HOUR)]);
}

describe('meta.count', () => {
  it('is 0 on an empty table', async () => {
    expect(await list()).toEqual({ code: 0, data: [], meta: { page: 1, limit: 100, hasnext: false, count: 0 } });
    expect(await counts()).toEqual({ all: 0, connected: 0, disconnected: 0, idle: 0 });
  });

  it('counts live sessions by state, not ended ones', async () => {
    await loadFleet();
    expect(await counts()).toEqual(FLEET_COUNTS);
    expect((await list('_limit=1000')).data).toHaveLength(8);
  });

  it('does not change with a takeover, and drops with a kick', async () => {
    await loadFleet();
    const old = connection({ clientid: 'on-0', node: 'node-a', connected_at: start });
    const newer = connection({ clientid: 'on-0', node: 'node-b', connected_at: start + HOUR, created_at: start });
    await t.writer.applyAll([connected(newer), disconnected(old, start + HOUR + 1)]);
    expect(await counts()).toEqual(FLEET_COUNTS);
    await t.writer.apply(terminated(newer, 'kicked', Date.now()));
    expect(await counts()).toEqual({ all: 7, connected: 4, disconnected: 3, idle: 0 });
    await t.writer.apply(connected(connection({ clientid: 'on-0', node: 'node-b', connected_at: start + 2 * HOUR })));
    expect(await counts()).toEqual(FLEET_COUNTS);
  });

  it('leaves out a persistent session that expired before the sweep ended it, as the list does', async () => {
    await loadFleetWithUnsweptExpiry();
    // The state counters still hold it until the sweep; the API must not.
    await t.settle();
    expect((await t.store.countByState()).disconnected).toBe(4);
    expect(await counts()).toEqual(FLEET_COUNTS);
    expect(ids(await list('_limit=1000'))).not.toContain('expired-0');
    expect(ids(await list('conn_state=disconnected'))).not.toContain('expired-0');
    expect(ids(await list('clientid=expired-0'))).toEqual([]);
  });

  it('stays the same after the expiry sweep', async () => {
    await loadFleetWithUnsweptExpiry();
    expect(await counts()).toEqual(FLEET_COUNTS);
    expect(await t.writer.expireSessions(Date.now())).toBe(1);
    await t.settle();
    expect((await t.store.countByState()).disconnected).toBe(3);
    expect(await counts()).toEqual(FLEET_COUNTS);
    expect((await list('_limit=1000')).data).toHaveLength(8);
  });

  it('equals the number of rows all pages hold', async () => {
    await loadFleet();
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const body = await list(`_limit=3&_page=${page}`);
      seen.push(...ids(body));
      expect(body.meta.count).toBe(8);
      if (!body.meta.hasnext) break;
    }
    expect(new Set(seen).size).toBe(8);
    expect(seen).toHaveLength(8);
  });
});

describe('cursor paging while the table changes', () => {
  it('goes on after the last row served, where offset paging would shift', async () => {
    await loadFleet();
    const before = ids(await list('_limit=1000'));
    const first = await list('_limit=3');
    expect(ids(first)).toEqual(before.slice(0, 3));
    // Two newer sessions arrive and one already served ends.
    for (const clientid of ['newest-1', 'newest-2']) await t.writer.apply(connected(connection({ clientid, connected_at: Date.now() - 1000 })));
    const served = before[0]!;
    const record = await t.store.get(served, { consistent: true });
    if (record?.conn_state === null || record === undefined) throw new Error('expected a live session');
    await t.writer.apply(terminated(record, 'kicked', Date.now()));

    const rest = await list(`_limit=1000&_cursor=${encodeURIComponent(first.meta.cursor!)}`);
    expect(ids(rest)).toEqual(before.slice(3));
    expect(rest.meta.page).toBe(2);
    // By offset, page 2 now starts one row later: the newcomers pushed it along.
    const offsetPage2 = ids(await list('_limit=3&_page=2'));
    expect(offsetPage2).not.toEqual(before.slice(3, 6));
  });
});
