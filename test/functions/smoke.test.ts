import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { connected, connection } from '../support/sessions.js';
import { listEvent } from '../support/http.js';

let t: TestTable;
let handler: (e: unknown) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  t = await createTestTable();
  Object.assign(process.env, t.env);
  ({ handler } = await import('../../functions/list-clients.js'));
});
afterAll(() => t.drop());

describe('smoke', () => {
  it('lists a connected client', async () => {
    await t.writer.apply(connected(connection({ clientid: 'a' })));
    const res = await handler(listEvent());
    const body = JSON.parse(res.body);
    expect(res.statusCode).toBe(200);
    expect(body.data.map((c: { clientid: string }) => c.clientid)).toEqual(['a']);
    expect(body.meta).toEqual({ page: 1, limit: 100, hasnext: false, count: 1 });
  });
});
