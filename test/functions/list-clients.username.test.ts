/**
 * Username lists over the keys-only username index: filters the entries do
 * not hold, and the expiry, are checked on full items; offset and cursor
 * pages count only what is listed. While the index cannot be read (being
 * added, or not there), the list walks all sessions with a username filter.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessions } from '../../functions/clients/list-clients.js';
import { parseClientQuery } from '../../functions/clients/query-params.js';
import type { ConnectionInfo } from '../../functions/sessions/model.js';
import { createTableInput, SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { injectFaults } from '../support/dynamodb-faults.js';
import { createTestTable, TEST_CURSOR_SECRET, type TestTable } from '../support/dynamodb.js';
import { RecordingStore } from '../support/recording-store.js';
import { connected, connection, disconnected, statistics } from '../support/sessions.js';

const USERNAME_INDEX = SESSIONS_TABLE.indexes.byUsername.indexName;
const NOW = Date.now();
const HOUR = 3600_000;

type Spec = { conn: ConnectionInfo; offline?: number; mqueue_len?: number; listed: boolean };

/** Tenant `t` has sessions of every kind; `u` shares nothing with it. Created one a minute, newest last. */
function tenantFleet(): Spec[] {
  const specs: Spec[] = [];
  for (let i = 0; i < 12; i++) {
    const username = i % 4 === 3 ? 'u' : 't';
    const kind = i % 3; // 0 connected, 1 offline and kept, 2 offline past its expiry (not swept yet)
    const conn = connection({
      clientid: `dev-${String(i).padStart(2, '0')}`,
      username,
      connected_at: NOW - 10 * HOUR + i * 60_000,
      zone: i % 2 === 0 ? 'external' : 'internal',
      clean_start: kind === 0,
      expiry_interval: kind === 0 ? 0 : kind === 1 ? 86_400 : 600,
    });
    specs.push({ conn, offline: kind === 0 ? undefined : NOW - 5 * HOUR, mqueue_len: i, listed: kind !== 2 });
  }
  return specs;
}

const fleet = tenantFleet();
let t: TestTable;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  for (const spec of fleet) {
    await t.writer.apply(connected(spec.conn));
    await t.writer.apply(statistics(spec.conn, 1, { mqueue_len: spec.mqueue_len ?? 0 }));
    if (spec.offline !== undefined) await t.writer.apply(disconnected(spec.conn, spec.offline));
  }
});
afterAll(() => t.drop());

const newestFirst = (specs: Spec[]) => specs.map((s) => s.conn.clientid).reverse();
const expected = (keep: (s: Spec) => boolean) => newestFirst(fleet.filter((s) => s.listed && s.conn.username === 't' && keep(s)));

async function ids(store: RecordingStore, qs: string) {
  const page = await listSessions({ store, cursorSecret: TEST_CURSOR_SECRET, now: NOW }, parseClientQuery(qs));
  return { ids: page.sessions.map((s) => s.clientid), meta: page.meta };
}

describe('a username list', () => {
  it('lists the username\'s live, unexpired sessions from its index, newest first', async () => {
    const store = new RecordingStore(t.db, t.table);
    const { ids: found, meta } = await ids(store, 'username=t&_limit=100');
    expect(found).toEqual(expected(() => true));
    expect(fleet.some((s) => s.conn.username === 't' && !s.listed)).toBe(true);
    expect(meta).toEqual({ page: 1, limit: 100, hasnext: false, count: -1 });
    expect(new Set(store.queries.map((q) => q.input.IndexName))).toEqual(new Set([USERNAME_INDEX]));
    // Only the username's items are read, each once.
    const read = store.batchGets.flat();
    expect(new Set(read).size).toBe(read.length);
    expect(read.every((id) => fleet.find((s) => s.conn.clientid === id)!.conn.username === 't')).toBe(true);
  });

  it.each([
    ['conn_state=connected', (s: Spec) => s.offline === undefined],
    ['conn_state=disconnected', (s: Spec) => s.offline !== undefined],
    ['zone=internal', (s: Spec) => s.conn.zone === 'internal'],
    ['clean_start=false', (s: Spec) => !s.conn.clean_start],
    ['_like_clientid=dev-0', (s: Spec) => s.conn.clientid.startsWith('dev-0')],
    [`_gte_connected_at=${Math.floor((NOW - 10 * HOUR + 5 * 60_000) / 1000)}`, (s: Spec) => s.conn.connected_at >= NOW - 10 * HOUR + 5 * 60_000],
    ['_gte_mqueue_len=6', (s: Spec) => (s.mqueue_len ?? 0) >= 6],
  ])('checks %s on the full items', async (qs, keep) => {
    const store = new RecordingStore(t.db, t.table);
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(expected(() => true).length);
    expect((await ids(store, `username=t&${qs}&_limit=100`)).ids).toEqual(want);
    expect(new Set(store.queries.map((q) => q.input.IndexName))).toEqual(new Set([USERNAME_INDEX]));
  });

  it('counts only listed sessions in offset pages, and cursor pages give the same rows', async () => {
    const all = expected(() => true);
    const store = new RecordingStore(t.db, t.table);
    const byNumber: string[] = [];
    for (let page = 1; page <= Math.ceil(all.length / 2); page++) {
      const { ids: found, meta } = await ids(store, `username=t&_limit=2&_page=${page}`);
      expect(meta.hasnext).toBe(page * 2 < all.length);
      byNumber.push(...found);
    }
    expect(byNumber).toEqual(all);
    const byCursor: string[] = [];
    let cursor: string | undefined;
    do {
      const { ids: found, meta } = await ids(store, `username=t&_limit=2${cursor ? `&_cursor=${cursor}` : ''}`);
      byCursor.push(...found);
      cursor = meta.cursor;
    } while (cursor);
    expect(byCursor).toEqual(all);
  });
});

describe('a username list out of time', () => {
  it('stops between batches of items with a cursor after what it checked, and the cursors give every row once, in order', async () => {
    // A tenant whose every other session has expired: its pages check more items than they show.
    const big = Array.from({ length: 60 }, (_, i) =>
      connection({ clientid: `big-${String(i).padStart(2, '0')}`, username: 'big', connected_at: NOW - 9 * HOUR + i * 1000, clean_start: false, expiry_interval: i % 2 === 0 ? 86_400 : 600 }),
    );
    for (const conn of big) {
      await t.writer.apply(connected(conn));
      await t.writer.apply(disconnected(conn, NOW - 5 * HOUR));
    }
    const all = big.filter((_, i) => i % 2 === 0).map((c) => c.clientid).reverse();
    const store = new RecordingStore(t.db, t.table);
    const spent = { store, cursorSecret: TEST_CURSOR_SECRET, now: NOW, walkUntil: 0 };
    const seen: string[] = [];
    let cursor: string | undefined;
    let shortPages = 0;
    let pages = 0;
    do {
      store.reset();
      const page = await listSessions(spent, parseClientQuery(`username=big&_limit=12${cursor ? `&_cursor=${cursor}` : ''}`));
      // Out of time, a request reads one batch of items, not every batch of what its walk buffered.
      expect(store.batchGets.length).toBeLessThanOrEqual(1);
      seen.push(...page.sessions.map((s) => s.clientid));
      if (page.sessions.length < 12 && page.meta.hasnext) shortPages++;
      cursor = page.meta.cursor;
      expect(++pages).toBeLessThan(big.length);
    } while (cursor);
    expect(seen).toEqual(all);
    expect(shortPages).toBeGreaterThan(0);
  });
});

describe('a username list while the username index cannot be read', () => {
  it('walks all sessions with a username filter while the index backfills', async () => {
    const faults = injectFaults(t.db, (request) =>
      request.commandName === 'QueryCommand' && request.input.IndexName === USERNAME_INDEX
        ? { kind: 'error-response', type: 'ValidationException', fields: { message: `Cannot read from backfilling global secondary index: ${USERNAME_INDEX}` } }
        : undefined,
    );
    try {
      const store = new RecordingStore(t.db, t.table);
      expect((await ids(store, 'username=t&zone=internal&_limit=100')).ids).toEqual(expected((s) => s.conn.zone === 'internal'));
      expect(faults.injected).toBeGreaterThan(0);
      expect(new Set(store.queries.map((q) => q.input.IndexName))).toEqual(new Set([SESSIONS_TABLE.indexes.byConnState.indexName]));
    } finally {
      faults.remove();
    }
  });

  it('fails as before on any other error of the index', async () => {
    const faults = injectFaults(t.db, (request) =>
      request.commandName === 'QueryCommand' ? { kind: 'error-response', type: 'ValidationException', fields: { message: 'Invalid FilterExpression' } } : undefined,
    );
    try {
      await expect(ids(new RecordingStore(t.db, t.table), 'username=t')).rejects.toThrow('Invalid FilterExpression');
    } finally {
      faults.remove();
    }
  });

  it('walks all sessions with a username filter on a table made before the index', async () => {
    const table = { tableName: `sessions-${randomUUID()}`, shards: 4 };
    const input = createTableInput(table.tableName);
    input.GlobalSecondaryIndexes = input.GlobalSecondaryIndexes!.filter((index) => index.IndexName !== USERNAME_INDEX);
    const usernameKey = SESSIONS_TABLE.indexes.byUsername.partitionKey.name;
    input.AttributeDefinitions = input.AttributeDefinitions!.filter((a) => a.AttributeName !== usernameKey);
    await t.db.send(new CreateTableCommand(input));
    try {
      const writer = new SessionWriter(t.db, table);
      for (const spec of fleet.slice(0, 4)) await writer.apply(connected(spec.conn));
      const store = new RecordingStore(t.db, table);
      expect((await ids(store, 'username=t')).ids).toEqual(newestFirst(fleet.slice(0, 4).filter((s) => s.conn.username === 't')));
      expect(new Set(store.queries.map((q) => q.input.IndexName))).toEqual(new Set([SESSIONS_TABLE.indexes.byConnState.indexName]));
    } finally {
      await t.db.send(new DeleteTableCommand({ TableName: table.tableName }));
    }
  });
});
