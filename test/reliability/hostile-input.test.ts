/**
 * Thousands of random and hostile query strings and clientids through the
 * real handler modules (GET /clients, GET and DELETE /clients/{clientid})
 * against a seeded table: never a 5xx, every 4xx a JSON `{code, message}`,
 * every 200 in the documented shape and consistent with its own filters.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeCursor } from '../../functions/clients/cursor.js';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { parseClientQuery, type ClientQuery } from '../../functions/clients/query-params.js';
import { Failure } from '../../functions/failures.js';
import { toApiError } from '../../functions/http/errors.js';
import { PROTO_NAMES } from '../../functions/sessions/model.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { cursorBody, withField } from '../support/cursors.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { getFunction, kickFunction, listFunction, type Handler } from '../support/handlers.js';
import { getEvent, kickEvent, listEvent } from '../support/http.js';
import { propertyRuns } from '../support/property-seed.js';
import { connection, disconnected, statistics } from '../support/sessions.js';
import { clientIdParameter, queryString, type CursorSource } from './hostile-inputs.js';


const TIME = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
const INT = z.number().int();
const COUNT = z.number().int().nonnegative();

/** The client object of the spec (plus `mountpoint`, which its example shows). */
const clientObject = z
  .object({
    node: z.string(), clientid: z.string(), username: z.string().nullable(), proto_name: z.enum(PROTO_NAMES),
    proto_ver: INT, ip_address: z.string(), port: INT, is_bridge: z.boolean(), connected_at: TIME,
    disconnected_at: TIME.optional(), connected: z.boolean(), zone: z.string(), keepalive: INT, clean_start: z.boolean(),
    expiry_interval: INT, created_at: TIME, subscriptions_cnt: COUNT, max_subscriptions: COUNT, inflight: COUNT,
    max_inflight: COUNT, mqueue_len: COUNT, max_mqueue: COUNT, mqueue_dropped: COUNT, awaiting_rel: COUNT,
    max_awaiting_rel: COUNT, recv_oct: COUNT, recv_cnt: COUNT, recv_pkt: COUNT, recv_msg: COUNT, send_oct: COUNT,
    send_cnt: COUNT, send_pkt: COUNT, send_msg: COUNT, mailbox_len: COUNT, heap_size: COUNT, reductions: COUNT,
    mountpoint: z.string().nullable(),
  })
  .strict()
  .refine((c) => (c.disconnected_at === undefined) === c.connected, 'disconnected_at exactly when not connected');

const listBody = z
  .object({
    code: z.literal(0),
    data: z.array(clientObject),
    meta: z
      .object({ page: INT.min(1), limit: INT.min(1).max(1000), hasnext: z.boolean(), count: INT.min(-1), cursor: z.string().optional() })
      .strict(),
  })
  .strict()
  .refine((b) => b.meta.hasnext === (b.meta.cursor !== undefined), 'meta.cursor exactly when hasnext')
  .refine((b) => b.data.length <= b.meta.limit, 'no more rows than the limit');

const getBody = z.object({ code: z.literal(0), data: z.array(clientObject).max(1) }).strict();
const errorBody = z.object({ code: z.number().int().positive(), message: z.string().min(1) }).strict();

/** Checks every response: status class, JSON body, no internals. Returns the parsed body. */
function checkResponse(response: HttpResponse, context: string): unknown {
  expect(response.statusCode, context).toBeLessThan(500);
  expect(response.headers?.['content-type'], context).toBe('application/json');
  const body: unknown = JSON.parse(response.body);
  expect(response.body, context).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|Exception|ValidationError/);
  if (response.statusCode >= 400) {
    expect(errorBody.safeParse(body).success, `${context}: ${response.body}`).toBe(true);
  }
  return body;
}

/** The filters a returned row must satisfy, checked on the rendered object. */
function rowSatisfies(row: z.infer<typeof clientObject>, query: ClientQuery): boolean {
  const f = query.filter;
  return (
    (f.clientids === undefined || f.clientids.includes(row.clientid)) &&
    (f.usernames === undefined || (row.username !== null && f.usernames.includes(row.username))) &&
    (f.zone === undefined || row.zone === f.zone) &&
    (f.conn_state === undefined || (f.conn_state === 'connected') === row.connected) &&
    (f.clean_start === undefined || row.clean_start === f.clean_start) &&
    (f.proto_name === undefined || row.proto_name === f.proto_name) &&
    (f.proto_ver === undefined || row.proto_ver === f.proto_ver) &&
    (f.like_clientid === undefined || row.clientid.includes(f.like_clientid)) &&
    (f.like_username === undefined || (row.username ?? '').includes(f.like_username)) &&
    (f.mqueue_len === undefined ||
      ((f.mqueue_len.gte === undefined || row.mqueue_len >= f.mqueue_len.gte) && (f.mqueue_len.lte === undefined || row.mqueue_len <= f.mqueue_len.lte)))
  );
}

/**
 * Whether `cursor` is one the API issued, as issued: the same payload and the
 * same signature bytes (base64url's last character carries unused bits, so
 * two spellings of one signature are the same signature).
 */
function isIssuedUnchanged(cursor: string): boolean {
  const [payload, signature] = cursor.split('.');
  return cursors.issued.some(({ cursor: issued }) => {
    const [issuedPayload, issuedSignature] = issued.split('.');
    return payload === issuedPayload && Buffer.from(signature ?? '', 'base64url').equals(Buffer.from(issuedSignature ?? '', 'base64url'));
  });
}

const SEED_IDS = ['alpha', 'beta', 'gamma', 'a/b', 'sp ace', 'plus+hash#', 'pct%41', '日本語', '😀emoji', 'comma,id', "o'reilly", 'user-1'];

let t: TestTable;
let list: Handler;
let get: Handler;
let kick: Handler;
const cursors: CursorSource = { issued: [], foreign: [] };
let rejectedKicks = 0;

beforeAll(async () => {
  t = await createTestTable({ shards: 4 });
  const env = {
    ...t.env,
    // Kicks must never get as far as the broker here: nothing listens on this port (just opened and closed).
    CONTROL_BROKER_URL: `mqtt://127.0.0.1:${await freePort()}`,
    CONTROL_PUBACK_TIMEOUT_MS: '200',
    // One EMF line per request would bury the test output.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  list = listFunction(env);
  get = getFunction(env);
  kick = kickFunction(env);
  const now = Date.now();
  const events = SEED_IDS.flatMap((clientid, i) => {
    const conn = connection({
      clientid,
      node: i % 2 ? 'node-a' : 'node-b',
      connected_at: now - (i + 1) * 3_600_000,
      created_at: now - (i + 1) * 7_200_000,
      username: i % 3 === 0 ? null : `user-${i % 4}`,
      zone: i % 2 ? 'external' : 'internal',
      ip_address: i % 2 ? '10.0.0.1' : '2001:db8::1',
      proto_name: PROTO_NAMES[i % PROTO_NAMES.length]!,
      proto_ver: i % 2 ? 4 : 5,
      clean_start: i % 3 !== 1,
      expiry_interval: i % 3 === 1 ? 86_400 : 0,
    });
    const own = [{ type: 'connected' as const, conn }, statistics(conn, 1, { mqueue_len: i, mqueue_dropped: i % 2, recv_oct: 10 * i })];
    if (i % 3 === 1) own.push(disconnected(conn, now - 60_000));
    return own;
  });
  await t.writer.applyAll(events, 8);
  for (const query of ['_limit=1', '_limit=2&conn_state=connected', '_limit=1&username=user-1&username=user-2', '_limit=1&_like_clientid=a', '_limit=1&_gte_mqueue_len=1']) {
    const body = JSON.parse((await list(listEvent(query))).body) as { meta: { cursor?: string } };
    if (!body.meta.cursor) throw new Error(`seed query ${query} issued no cursor`);
    cursors.issued.push({ query, cursor: body.meta.cursor });
    // The same position and query, signed by another deployment: only the signature differs.
    const { a: after, p: page } = cursorBody(body.meta.cursor);
    cursors.foreign.push({ query, cursor: encodeCursor('some-other-deployment-secret', parseClientQuery(query).filter, { after, page }) });
  }
});
afterAll(() => t?.drop());

describe('query parsing (pure)', () => {
  it('turns any query string into a query or a 400 naming a parameter, nothing else', () => {
    fc.assert(
      fc.property(queryString(cursors), (raw) => {
        try {
          const query = parseClientQuery(raw);
          expect(query.limit).toBeGreaterThanOrEqual(1);
          expect(query.limit).toBeLessThanOrEqual(1000);
          expect(query.page).toBeGreaterThanOrEqual(1);
        } catch (error) {
          expect(error).toBeInstanceOf(Failure);
          const answer = toApiError(error);
          expect(answer.status).toBe(400);
          expect(answer.code).toBe(108);
          expect(answer.message).toMatch(/^invalid parameter /);
        }
      }),
      propertyRuns(3000),
    );
  });
});

describe('GET /clients through the handler (DynamoDB Local)', () => {
  it('answers hostile query strings with a 200 of the documented shape or a 400 {code, message}', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(queryString(cursors), async (raw) => {
        const response = await list(listEvent(raw));
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const body = checkResponse(response, `GET /clients?${raw.slice(0, 300)}`);
        expect([200, 400]).toContain(response.statusCode);
        if (response.statusCode !== 200) return;
        const parsed = listBody.safeParse(body);
        expect(parsed.success, `${raw.slice(0, 300)}: ${parsed.error?.message}`).toBe(true);
        const query = parseClientQuery(raw);
        if (query.cursor !== undefined) {
          expect(isIssuedUnchanged(query.cursor), `a 200 for a cursor the API did not issue: ${raw.slice(0, 300)}`).toBe(true);
        }
        for (const row of parsed.data!.data) {
          expect(rowSatisfies(row, query), `${row.clientid} for ${raw.slice(0, 300)}`).toBe(true);
          expect(row.clientid.startsWith('\u0000')).toBe(false);
        }
      }),
      propertyRuns(400),
    );
    // The generator must reach both outcomes, or the property says little.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(40);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(40);
  });

  it('answers 400 naming _cursor for a cursor of another secret, or one whose payload was changed to another valid value', async () => {
    for (const [i, { query, cursor }] of cursors.issued.entries()) {
      const { p: page, a: after } = cursorBody(cursor);
      const refused = [cursors.foreign[i]!.cursor, withField(cursor, 'p', page + 1).tampered, withField(cursor, 'a', `${after}\u0001`).tampered];
      for (const bad of refused) {
        const response = await list(listEvent(`${query}&_cursor=${encodeURIComponent(bad)}`));
        checkResponse(response, `${query} with ${bad}`);
        expect(response.statusCode, `${query} with ${bad}`).toBe(400);
        expect(JSON.parse(response.body)).toMatchObject({ code: 108, message: expect.stringContaining('_cursor') });
      }
      // The cursor as issued is served.
      expect((await list(listEvent(`${query}&_cursor=${encodeURIComponent(cursor)}`))).statusCode).toBe(200);
    }
  });

  it('answers an inverted range with an empty page, not an error', async () => {
    for (const raw of ['_gte_created_at=2000&_lte_created_at=1000', `_gte_created_at=${Date.now()}&_lte_created_at=0&conn_state=connected`]) {
      const response = await list(listEvent(raw));
      expect(response.statusCode, raw).toBe(200);
      expect(listBody.parse(JSON.parse(response.body)).data).toEqual([]);
    }
  });

  it('walks every filter combination to the same rows by cursor, by page number and in one page', async () => {
    const optional = (...values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
    const filterPart = fc
      .tuple(
        optional('conn_state=connected', 'conn_state=disconnected'),
        optional('clean_start=true', 'clean_start=false'),
        optional('username=user-1&username=user-2', 'username=user-3'),
        optional('zone=external', 'proto_ver=4', '_like_clientid=a', '_like_username=1'),
        optional('_gte_mqueue_len=2', '_lte_mqueue_dropped=0'),
        optional(`_gte_created_at=${Math.floor((Date.now() - 12 * 7_200_000) / 1000)}`, `_lte_created_at=${Date.now() - 6 * 7_200_000}`),
      )
      .map((parts) => parts.filter((p) => p !== undefined));
    await fc.assert(
      fc.asyncProperty(filterPart, fc.integer({ min: 1, max: 4 }), async (parts, limit) => {
        const filter = parts.join('&');
        const all = listBody.parse(JSON.parse((await list(listEvent(`${filter}&_limit=1000`))).body));
        expect(all.meta.hasnext).toBe(false);
        const byCursor: string[] = [];
        let cursor: string | undefined;
        for (let n = 0; n <= SEED_IDS.length; n++) {
          const paging = cursor ? `&_cursor=${encodeURIComponent(cursor)}` : '';
          const page = listBody.parse(JSON.parse((await list(listEvent(`${filter}&_limit=${limit}${paging}`))).body));
          byCursor.push(...page.data.map((c) => c.clientid));
          cursor = page.meta.cursor;
          if (!cursor) break;
        }
        const byPage: string[] = [];
        for (let page = 1; page <= SEED_IDS.length + 1; page++) {
          const body = listBody.parse(JSON.parse((await list(listEvent(`${filter}&_limit=${limit}&_page=${page}`))).body));
          byPage.push(...body.data.map((c) => c.clientid));
          if (!body.meta.hasnext) break;
        }
        const expected = all.data.map((c) => c.clientid);
        expect(byCursor).toEqual(expected);
        expect(byPage).toEqual(expected);
      }),
      propertyRuns(40),
    );
  });
});

describe('GET and DELETE /clients/{clientid} through the handlers (DynamoDB Local)', () => {
  it('answers any clientid with the client, an empty list, or a 400 {code, message}', async () => {
    await fc.assert(
      fc.asyncProperty(clientIdParameter, async (clientid) => {
        const response = await get(getEvent(clientid));
        const body = checkResponse(response, `GET /clients/${JSON.stringify(clientid.slice(0, 100))}`);
        expect([200, 400]).toContain(response.statusCode);
        if (response.statusCode === 400) return;
        const parsed = getBody.parse(body);
        const seeded = SEED_IDS.includes(clientid);
        expect(parsed.data.map((c) => c.clientid)).toEqual(seeded ? [clientid] : []);
      }),
      propertyRuns(400),
    );
  });

  it('answers a kick of any unknown or malformed clientid with 404 code 112 or 400, without reaching the broker', async () => {
    await fc.assert(
      fc.asyncProperty(clientIdParameter, async (clientid) => {
        fc.pre(!SEED_IDS.includes(clientid));
        const response = await kick(kickEvent(clientid));
        const body = checkResponse(response, `DELETE /clients/${JSON.stringify(clientid.slice(0, 100))}`);
        expect([400, 404]).toContain(response.statusCode);
        if (response.statusCode === 404) expect(body).toEqual({ code: 112, message: 'Client not found' });
        else rejectedKicks++;
      }),
      propertyRuns(300),
    );
    expect(rejectedKicks).toBeGreaterThan(0);
  });
});
