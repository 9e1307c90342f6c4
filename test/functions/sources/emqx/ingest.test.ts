/**
 * EMQX webhook bodies through the parser and SourceWriter into DynamoDB
 * Local, read back as the API reads them.
 */
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLive, type SessionRecord } from '../../../../functions/sessions/model.js';
import type { SourceEvent } from '../../../../functions/sessions/source-events.js';
import { SourceWriter } from '../../../../functions/sessions/source-writer.js';
import { readTopics } from '../../../../functions/sessions/topics.js';
import { parseEmqxWebhook } from '../../../../functions/sources/emqx/webhook.js';
import { createTestTable, type TestTable } from '../../../support/dynamodb.js';
import { propertyRuns } from '../../../support/property-seed.js';

type Body = Record<string, unknown>;
const fixtures = (name: string) => JSON.parse(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, Body>;
const v5 = fixtures('emqx5-events.json');
const v4 = fixtures('emqx4-events.json');

const RECEIVED_AT = 1764318000000;

let t: TestTable;
let writer: SourceWriter;
beforeAll(async () => {
  t = await createTestTable();
  writer = new SourceWriter(t.db, t.table);
});
afterAll(async () => t.drop());

let clients = 0;
/** A fresh clientid per test or property run, so that runs share the table without meeting. */
const freshId = (prefix: string) => `${prefix}-${++clients}`;

/** The fixture as sent by `clientid`. */
const as = (body: Body | undefined, clientid: string): Body => ({ ...body!, clientid });

async function ingest(body: Body, receivedAt = RECEIVED_AT): Promise<Array<'applied' | 'ignored'>> {
  const outcomes: Array<'applied' | 'ignored'> = [];
  for (const event of parseEmqxWebhook(body, receivedAt)) outcomes.push(await writer.apply(event));
  return outcomes;
}

const record = (clientid: string) => t.store.get(clientid, { consistent: true });
const topics = (clientid: string) => readTopics(t.db, t.table, clientid, { consistent: true });

/** A record without its key, to compare two clients' records. */
function shape(value: SessionRecord | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  const { clientid: _clientid, ...rest } = value;
  return rest;
}

describe('each EMQX 5 event', () => {
  it('connect, subscribe, unsubscribe, disconnect of a clean session', async () => {
    const id = freshId('v5-clean');
    expect(await ingest(as(v5.connected, id))).toEqual(['applied']);
    expect(await record(id)).toMatchObject({
      conn_state: 'connected',
      node: 'emqx@10.0.0.1',
      conn_id: '',
      connected_at: 1764316800010,
      created_at: 1764316800010,
      username: 'tenant-a',
      zone: 'default',
      ip_address: '10.0.0.9',
      port: 50123,
      proto_name: 'MQTT',
      proto_ver: 5,
      keepalive: 60,
      clean_start: true,
      expiry_interval: 0,
      mountpoint: null,
      subscriptions_cnt: 0,
    });

    await ingest(as(v5.subscribed, id));
    await ingest(as(v5.subscribed_shared, id));
    expect(await topics(id)).toEqual([
      { topic: '$share/workers/jobs/#', qos: 2 },
      { topic: 'sensors/+/temp', qos: 1 },
    ]);
    expect(await record(id)).toMatchObject({ subscriptions_cnt: 2 });

    await ingest(as(v5.unsubscribed, id));
    expect(await topics(id)).toEqual([{ topic: '$share/workers/jobs/#', qos: 2 }]);
    expect(await record(id)).toMatchObject({ subscriptions_cnt: 1 });

    expect(await ingest(as(v5.disconnected, id))).toEqual(['applied']);
    expect(await record(id)).toMatchObject({ conn_state: null, ended_at: 1764316860000, ended_reason: 'disconnected' });
    expect(await topics(id)).toEqual([]);
  });

  it('a persistent session stays disconnected until disconnected_at + expiry_interval', async () => {
    const id = freshId('v5-persistent');
    await ingest(as(v5.connected_persistent, id));
    await ingest(as(v5.subscribed, id));
    await ingest(as(v5.disconnected_persistent, id));
    expect(await record(id)).toMatchObject({
      conn_state: 'disconnected',
      clean_start: false,
      expiry_interval: 7200,
      disconnected_at: 1764317000000,
      expires_at: 1764317000000 + 7200 * 1000,
      subscriptions_cnt: 1,
    });
  });

  it('a resumed session keeps its creation time and subscriptions', async () => {
    const id = freshId('v5-resume');
    await ingest(as(v5.connected_persistent, id));
    await ingest(as(v5.subscribed, id));
    await ingest(as(v5.disconnected_persistent, id));
    expect(await ingest(as(v5.connected_takeover, id))).toEqual(['applied']);
    expect(await record(id)).toMatchObject({
      conn_state: 'connected',
      node: 'emqx@10.0.0.2',
      connected_at: 1764317100000,
      created_at: 1764316900000,
      disconnected_at: null,
      expires_at: null,
      subscriptions_cnt: 1,
    });
    expect(await topics(id)).toEqual([{ topic: 'sensors/+/temp', qos: 1 }]);
  });

  it('a takeover across nodes: the old node\'s late disconnect changes nothing', async () => {
    const id = freshId('v5-takeover');
    await ingest(as(v5.connected_persistent, id));
    await ingest(as(v5.connected_takeover, id));
    const before = await record(id);
    expect(await ingest(as(v5.disconnected_takenover, id))).toEqual(['ignored']);
    expect(await record(id)).toEqual(before);
    expect(before).toMatchObject({ conn_state: 'connected', node: 'emqx@10.0.0.2', created_at: 1764316900000 });
  });

  it('a kick and a discard end the session, persistent or not', async () => {
    const kicked = freshId('v5-kicked');
    await ingest(as(v5.connected_persistent, kicked));
    await ingest(as(v5.connected_takeover, kicked));
    await ingest(as(v5.disconnected_kicked, kicked));
    expect(await record(kicked)).toMatchObject({ conn_state: null, ended_reason: 'kicked', ended_at: 1764317200000 });

    const discarded = freshId('v5-discarded');
    await ingest(as({ ...v5.connected_persistent, connected_at: 1764317250000, node: 'emqx@10.0.0.1' }, discarded));
    await ingest(as(v5.disconnected_discarded, discarded));
    expect(await record(discarded)).toMatchObject({ conn_state: null, ended_reason: 'discarded', ended_at: 1764317300000 });
  });

  it('duplicates change nothing', async () => {
    const id = freshId('v5-dup');
    const bodies = [v5.connected_persistent, v5.subscribed, v5.disconnected_persistent].map((b) => as(b, id));
    for (const body of bodies) await ingest(body);
    const once = await record(id);
    for (const body of bodies) expect(await ingest(body)).toEqual(['ignored']);
    expect(await record(id)).toEqual(once);
    expect(await topics(id)).toEqual([{ topic: 'sensors/+/temp', qos: 1 }]);
  });
});

describe('each EMQX 4.4 body', () => {
  it('connect, subscribe, unsubscribe, disconnect; the following session_terminated changes nothing', async () => {
    const id = freshId('v4-clean');
    await ingest(as(v4.client_connected, id));
    expect(await record(id)).toMatchObject({
      conn_state: 'connected',
      node: 'emqx@10.0.0.1',
      conn_id: '',
      zone: 'external',
      ip_address: '10.0.0.9',
      port: 0,
      proto_name: 'MQTT',
      clean_start: true,
      expiry_interval: 0,
    });
    await ingest(as(v4.session_subscribed, id), RECEIVED_AT);
    await ingest(as(v4.session_subscribed_qos2, id), RECEIVED_AT + 1);
    await ingest(as(v4.session_unsubscribed, id), RECEIVED_AT + 2);
    expect(await topics(id)).toEqual([{ topic: 'alerts/#', qos: 2 }]);
    expect(await record(id)).toMatchObject({ subscriptions_cnt: 1 });

    await ingest(as(v4.client_disconnected, id));
    const ended = await record(id);
    expect(ended).toMatchObject({ conn_state: null, ended_reason: 'disconnected', ended_at: 1764316860000 });
    expect(await ingest(as(v4.session_terminated_normal, id))).toEqual([]);
    expect(await record(id)).toEqual(ended);
  });

  it('a kick: client_disconnected ends the session, and the session_terminated after it changes nothing', async () => {
    const id = freshId('v4-kick');
    await ingest(as(v4.client_connected_takeover, id));
    await ingest(as(v4.client_disconnected_kicked, id));
    const ended = await record(id);
    expect(ended).toMatchObject({ conn_state: null, ended_reason: 'kicked', ended_at: 1764317200000 });
    expect(await ingest(as(v4.session_terminated_kicked, id))).toEqual(['ignored']);
    expect(await record(id)).toEqual(ended);
  });

  it('session_terminated ends an offline session held for its node, and no other', async () => {
    // A persistent 4.4 session: what the optional `$events/client_connected` rule adds to the WebHook's connect.
    const persistentConnect = async (id: string) => {
      const [connect] = parseEmqxWebhook(as({ ...v4.client_connected, node: 'emqx@10.0.0.1' }, id), RECEIVED_AT) as Array<Extract<SourceEvent, { type: 'connected' }>>;
      await writer.apply({ type: 'connected', conn: { ...connect!.conn, clean_start: false, expiry_interval: 7200 } });
      await ingest(as(v4.client_disconnected, id));
    };
    const id = freshId('v4-expired');
    await persistentConnect(id);
    expect(await record(id)).toMatchObject({ conn_state: 'disconnected' });
    expect(await ingest(as({ ...v4.session_terminated_expired, node: 'emqx@10.0.0.9' }, id))).toEqual(['ignored']);
    expect(await record(id)).toMatchObject({ conn_state: 'disconnected' });
    expect(await ingest(as(v4.session_terminated_expired, id), RECEIVED_AT + 5)).toEqual(['applied']);
    expect(await record(id)).toMatchObject({ conn_state: null, ended_reason: 'expired', ended_at: RECEIVED_AT + 5 });
  });

  it('a takeover across nodes: the new connection replaces the old, whose late disconnect changes nothing', async () => {
    const id = freshId('v4-takeover');
    await ingest(as({ ...v4.client_connected, node: 'emqx@10.0.0.1', connected_at: 1764316900000 }, id));
    await ingest(as(v4.client_connected_takeover, id));
    const before = await record(id);
    expect(before).toMatchObject({ conn_state: 'connected', node: 'emqx@10.0.0.2', connected_at: 1764317100000 });
    expect(await ingest(as(v4.client_disconnected_takeovered, id))).toEqual(['ignored']);
    expect(await record(id)).toEqual(before);
  });

  it('duplicates change nothing', async () => {
    const id = freshId('v4-dup');
    await ingest(as(v4.client_connected, id));
    await ingest(as(v4.session_subscribed, id));
    const once = await record(id);
    expect(await ingest(as(v4.client_connected, id))).toEqual(['ignored']);
    expect(await ingest(as(v4.session_subscribed, id))).toEqual(['ignored']);
    expect(await record(id)).toEqual(once);
  });
});

/**
 * Reorderings. What the events carry is enough to end in the same record as
 * the true order in these cases:
 * - a clean session (EMQX 5 clean_start true, and every EMQX 4.4 session):
 *   any order, with duplicates: a disconnect that arrives first ends the
 *   session, and its connect and subscriptions then find it ended;
 * - a kick: likewise, the session ends kicked;
 * - a persistent session (EMQX 5) whose connect arrives first: the
 *   subscriptions and the disconnect in any order, with duplicates (topic
 *   changes are ordered by their timestamps). A disconnect carries no
 *   clean_start or expiry, so one that arrives before its connect ends the
 *   session; reconciliation against the broker's list restores it.
 */
describe('any order of one connection\'s events', () => {
  /** Every body at least once, some twice, in an arbitrary order. */
  const shuffledWithDuplicates = (bodies: Body[]) =>
    fc.array(fc.constantFrom(...bodies), { maxLength: bodies.length }).chain((extra) => {
      const all = [...bodies, ...extra];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });

  async function sameAsTrueOrder(name: string, trueOrder: Body[], reordered: fc.Arbitrary<Body[]>) {
    const reference = freshId(`${name}-true`);
    for (const body of trueOrder) await ingest(as(body, reference));
    const expected = shape(await record(reference));
    const expectedTopics = await topics(reference);
    await fc.assert(
      fc.asyncProperty(reordered, async (bodies) => {
        const id = freshId(name);
        for (const body of bodies) await ingest(as(body, id));
        expect(shape(await record(id))).toEqual(expected);
        expect(await topics(id)).toEqual(expectedTopics);
      }),
      propertyRuns(15),
    );
    return expected;
  }

  it('a clean EMQX 5 session ends disconnected', async () => {
    const trueOrder = [v5.connected!, v5.subscribed!, v5.subscribed_shared!, v5.disconnected!];
    const end = await sameAsTrueOrder('v5-order', trueOrder, shuffledWithDuplicates(trueOrder));
    expect(end).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
  });

  it('an EMQX 4.4 session ends disconnected, or kicked', async () => {
    const clean = [v4.client_connected!, v4.session_subscribed!, v4.client_disconnected!, v4.session_terminated_normal!];
    expect(await sameAsTrueOrder('v4-order', clean, shuffledWithDuplicates(clean))).toMatchObject({ ended_reason: 'disconnected' });
    const kick = [v4.client_connected_takeover!, v4.session_subscribed!, v4.client_disconnected_kicked!, v4.session_terminated_kicked!];
    expect(await sameAsTrueOrder('v4-kick-order', kick, shuffledWithDuplicates(kick))).toMatchObject({ ended_reason: 'kicked' });
  });

  it('a persistent EMQX 5 session whose connect comes first stays disconnected with its topics', async () => {
    const rest = [v5.subscribed!, v5.subscribed_shared!, v5.unsubscribed!, v5.disconnected_persistent!];
    // The subscriptions of the other session's fixtures, moved onto this connection's lifetime.
    const during = rest.map((body) => (body.event === 'client.disconnected' ? body : { ...body, timestamp: (body.timestamp as number) + 100_000 }));
    const trueOrder = [v5.connected_persistent!, ...during];
    const end = await sameAsTrueOrder(
      'v5-persistent-order',
      trueOrder,
      shuffledWithDuplicates(during).map((bodies) => [v5.connected_persistent!, ...bodies]),
    );
    expect(end).toMatchObject({ conn_state: 'disconnected', expires_at: 1764317000000 + 7200 * 1000, subscriptions_cnt: 1 });
  });
});

describe('records read back', () => {
  it('are live only while the broker holds the session', async () => {
    const id = freshId('v5-live');
    await ingest(as(v5.connected, id));
    expect(isLive(await record(id))).toBe(true);
    await ingest(as(v5.disconnected, id));
    expect(isLive(await record(id))).toBe(false);
  });
});
