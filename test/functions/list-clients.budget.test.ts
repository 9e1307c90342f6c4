/**
 * A list's time budget: when the walk runs out of time before the page is
 * full, the page holds the rows found so far, `hasnext`, and a cursor that
 * goes on exactly where the walk stopped; following such cursors yields
 * every match once, in order. Offset paging that cannot go on is a clear 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessions } from '../../functions/clients/list-clients.js';
import { Failure } from '../../functions/failures.js';
import { toApiError } from '../../functions/http/errors.js';
import { parseClientQuery } from '../../functions/clients/query-params.js';
import { createTestTable, TEST_CURSOR_SECRET, type TestTable } from '../support/dynamodb.js';
import { connected, connection } from '../support/sessions.js';

let t: TestTable;
const T0 = Date.UTC(2026, 10, 1);
/** One session in 25 matches the rare filter; they are spread over the whole order. */
const SESSIONS = 300;
const isRare = (i: number) => i % 25 === 7;
const idOf = (i: number) => (isRare(i) ? `rare-${String(i).padStart(3, '0')}` : `common-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  const events = Array.from({ length: SESSIONS }, (_, i) => connected(connection({ clientid: idOf(i), connected_at: T0 + i * 1000 })));
  for (let i = 0; i < events.length; i += 25) await Promise.all(events.slice(i, i + 25).map((e) => t.writer.apply(e)));
}, 120_000);
afterAll(() => t.drop());

const rareIds = () =>
  Array.from({ length: SESSIONS }, (_, i) => i)
    .filter(isRare)
    .reverse() // newest first
    .map(idOf);

/** A budget already spent: each request makes exactly one round of reads. */
const spent = () => ({ store: t.store, cursorSecret: TEST_CURSOR_SECRET, now: Date.now(), walkUntil: 0 });

describe('a list out of time', () => {
  it('answers the rows found so far with a cursor, and the cursors together give every match once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let shortPages = 0;
    do {
      const page = await listSessions(spent(), parseClientQuery(`_like_clientid=rare-&_limit=5${cursor ? `&_cursor=${cursor}` : ''}`));
      seen.push(...page.sessions.map((s) => s.clientid));
      if (page.sessions.length < 5 && page.meta.hasnext) shortPages++;
      cursor = page.meta.cursor;
      expect(page.meta.hasnext).toBe(cursor !== undefined);
      expect(++pages).toBeLessThan(SESSIONS);
    } while (cursor);
    expect(seen).toEqual(rareIds());
    // The budget did cut pages short: without it, every page but the last is full.
    expect(shortPages).toBeGreaterThan(0);
  });

  it('keeps pages exactly as they were when there is time', async () => {
    const page = await listSessions({ ...spent(), walkUntil: Date.now() + 60_000 }, parseClientQuery('_like_clientid=rare-&_limit=5'));
    expect(page.sessions.map((s) => s.clientid)).toEqual(rareIds().slice(0, 5));
    expect(page.meta.hasnext).toBe(true);
  });

  it('refuses an offset page whose start it could not reach in time, pointing to _cursor', async () => {
    const failure: unknown = await listSessions(spent(), parseClientQuery('_like_clientid=rare-&_limit=5&_page=3')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Failure);
    expect((failure as Failure).reason).toEqual({ kind: 'offset-too-deep' });
    expect(toApiError(failure)).toMatchObject({ status: 400, code: 108, message: expect.stringContaining('_cursor') });
  });
});
