/**
 * Two list functions built in one process from two configurations: each
 * answers from its own table, pages with its own cursor secret, and neither
 * reads the process environment. Nothing of a function's configuration is
 * kept in a module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { invoke, type ListResponseBody } from '../../support/api-calls.js';
import { listFunction, type Handler } from '../../support/handlers.js';
import { listEvent } from '../../support/http.js';
import { connected, connection } from '../../support/sessions.js';

let first: TestTable;
let second: TestTable;
let listFirst: Handler;
let listSecond: Handler;

beforeAll(async () => {
  [first, second] = await Promise.all([createTestTable({ shards: 2 }), createTestTable({ shards: 3 })]);
  const now = Date.now();
  await first.writer.applyAll(['a-1', 'a-2'].map((clientid, i) => connected(connection({ clientid, connected_at: now - 1000 * (i + 1) }))));
  await second.writer.applyAll(['b-1', 'b-2', 'b-3'].map((clientid, i) => connected(connection({ clientid, connected_at: now - 1000 * (i + 1) }))));
  await Promise.all([first.settle(), second.settle()]);
  // One document client for both: only their configurations tell them apart.
  listFirst = listFunction({ ...first.env, CURSOR_SECRET: 'first-deployment-secret-0001' }, first.db);
  listSecond = listFunction({ ...second.env, CURSOR_SECRET: 'second-deployment-secret-002' }, first.db);
});
afterAll(async () => {
  await first?.drop();
  await second?.drop();
});

async function list(handler: Handler, rawQueryString = ''): Promise<ListResponseBody> {
  const response = await invoke<ListResponseBody>(handler, listEvent(rawQueryString));
  expect(response.status, response.raw).toBe(200);
  return response.body;
}

const ids = (body: ListResponseBody) => body.data.map((c) => c.clientid).sort();

describe('two list functions in one process', () => {
  it('answer each from its own table, in any order of calls', async () => {
    expect(ids(await list(listFirst))).toEqual(['a-1', 'a-2']);
    expect(ids(await list(listSecond))).toEqual(['b-1', 'b-2', 'b-3']);
    expect(ids(await list(listFirst))).toEqual(['a-1', 'a-2']);
    expect((await list(listFirst)).meta.count).toBe(2);
    expect((await list(listSecond)).meta.count).toBe(3);
  });

  it('sign cursors each with its own secret: one function refuses the other\'s cursor', async () => {
    const cursor = (await list(listSecond, '_limit=1')).meta.cursor;
    expect(cursor).toEqual(expect.any(String));
    expect(ids(await list(listSecond, `_limit=1&_cursor=${encodeURIComponent(cursor!)}`))).toHaveLength(1);
    const refused = await invoke<{ code: number; message: string }>(listFirst, listEvent(`_limit=1&_cursor=${encodeURIComponent(cursor!)}`));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('_cursor');
  });

  it('do not take their table from the process environment', async () => {
    const saved = process.env.TABLE_NAME;
    process.env.TABLE_NAME = 'no-such-table';
    try {
      expect(ids(await list(listFirst))).toEqual(['a-1', 'a-2']);
    } finally {
      if (saved === undefined) delete process.env.TABLE_NAME;
      else process.env.TABLE_NAME = saved;
    }
  });
});
