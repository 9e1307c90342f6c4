/**
 * EMQX 4.4 as the source: its WebHook's connect tells neither clean_start nor
 * expiry_interval, its client list does. Bodies and list rows are the local
 * stand-in's, which render what EMQX 4.4 sends field for field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectedBody, disconnectedBody } from '../../../infra/local/emqx/webhook-bodies.js';
import { renderV4, type EmqxClient } from '../../../infra/local/emqx/client-json.js';
import { reconcile } from '../../../functions/reconcile/reconcile.js';
import { SourceWriter } from '../../../functions/sessions/source-writer.js';
import type { ConnectionInfo } from '../../../functions/sessions/model.js';
import type { BrokerView } from '../../../functions/sources/broker-view.js';
import { toBrokerSession } from '../../../functions/sources/emqx/client-list.js';
import { parseEmqxWebhook } from '../../../functions/sources/emqx/webhook.js';
import { invoke, type ListResponseBody } from '../../support/api-calls.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { apiHandlers } from '../../support/handlers.js';
import { listEvent } from '../../support/http.js';
import { connection } from '../../support/sessions.js';

/** Whole seconds, as EMQX 4.4 lists connect times; recent, so that the list shows offline sessions as live. */
const T0 = Math.floor((Date.now() - 120_000) / 1000) * 1000;

let t: TestTable;
let source: SourceWriter;
beforeEach(async () => {
  t = await createTestTable({ shards: 2 });
  source = new SourceWriter(t.db, t.table);
});
afterEach(async () => t.drop());

/** A persistent MQTT 3.1.1 session as the client asked for it: EMQX 4.4 keeps it 300 s offline. */
const persistent = (clientid: string, connectedAt: number): ConnectionInfo =>
  connection({ clientid, node: 'emqx@10.0.0.1', conn_id: '', connected_at: connectedAt, created_at: T0, zone: 'external', clean_start: false, expiry_interval: 300 });

async function webhook(body: Record<string, unknown>): Promise<void> {
  for (const event of parseEmqxWebhook(body, Date.now())) await source.apply(event);
}

/** The 4.4 list's row of a session, as `GET /api/v4/clients` shows it. */
function listRow(conn: ConnectionInfo, disconnectedAt: number | null): Record<string, unknown> {
  const client: EmqxClient = {
    clientid: conn.clientid,
    username: conn.username,
    node: conn.node,
    connected: disconnectedAt === null,
    connected_at: conn.connected_at,
    created_at: conn.created_at,
    disconnected_at: disconnectedAt,
    ip_address: conn.ip_address,
    port: conn.port,
    proto_name: conn.proto_name,
    proto_ver: conn.proto_ver,
    keepalive: conn.keepalive,
    clean_start: conn.clean_start,
    expiry_interval: conn.expiry_interval,
    is_bridge: conn.is_bridge,
    mountpoint: conn.mountpoint,
    zone: conn.zone,
    ...{ subscriptions_cnt: 0, subscriptions_max: 'infinity', inflight_cnt: 0, inflight_max: 32, mqueue_len: 0, mqueue_max: 1000, mqueue_dropped: 0 },
    ...{ awaiting_rel_cnt: 0, awaiting_rel_max: 100, mailbox_len: 0, heap_size: 0, reductions: 0 },
    ...{ recv_oct: 0, recv_cnt: 0, recv_pkt: 0, recv_msg: 0, send_oct: 0, send_cnt: 0, send_pkt: 0, send_msg: 0 },
  };
  return renderV4(client);
}

/** The cluster's list as EmqxClientList reads it in the v4 dialect. */
function emqx4View(rows: Record<string, unknown>[]): BrokerView {
  return {
    name: 'emqx4',
    connectedAtPrecisionMs: 1000,
    correctsPersistence: true,
    covers: () => true,
    async *sessions() {
      for (const row of rows) yield toBrokerSession(row, 'v4')!;
    },
  };
}

describe('EMQX 4.4 persistent sessions', () => {
  it('a connect from the WebHook alone claims MQTT defaults; the next run sets the list\'s persistence', async () => {
    const conn = persistent('p1', T0);
    await webhook(connectedBody('v4', conn, ''));
    expect(await t.store.get('p1', { consistent: true })).toMatchObject({ clean_start: true, expiry_interval: 0 });

    const report = await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(conn, null)]) });
    expect(report).toMatchObject({ corrected: 1, added: 0, ended: 0, failed: 0 });
    expect(await t.store.get('p1', { consistent: true })).toMatchObject({ conn_state: 'connected', clean_start: false, expiry_interval: 300, created_at: T0 });

    // Known now: the WebHook's disconnect keeps the session offline instead of ending it.
    await webhook(disconnectedBody('v4', conn, T0 + 5_000, 'normal', ''));
    expect(await t.store.get('p1', { consistent: true })).toMatchObject({ conn_state: 'disconnected', expires_at: T0 + 5_000 + 300_000 });

    const again = await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(conn, T0 + 5_000)]) });
    expect(again).toMatchObject({ corrected: 0, added: 0, ended: 0, disconnected: 0 });
  });

  it('a reconnect from the WebHook resumes the persistent session: creation time and persistence kept', async () => {
    const first = persistent('p2', T0);
    await webhook(connectedBody('v4', first, ''));
    await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(first, null)]) });
    await webhook(disconnectedBody('v4', first, T0 + 5_000, 'normal', ''));

    const second = persistent('p2', T0 + 30_000);
    await webhook(connectedBody('v4', second, ''));
    expect(await t.store.get('p2', { consistent: true })).toMatchObject({
      conn_state: 'connected',
      connected_at: T0 + 30_000,
      created_at: T0,
      clean_start: false,
      expiry_interval: 300,
    });
  });

  it('a session ended by a disconnect before any run comes back offline, and clean_start=false lists it', async () => {
    const conn = persistent('p3', T0);
    await webhook(connectedBody('v4', conn, ''));
    await webhook(disconnectedBody('v4', conn, T0 + 5_000, 'normal', ''));
    expect(await t.store.get('p3', { consistent: true })).toMatchObject({ conn_state: null });

    const { list } = apiHandlers({ db: t.db, table: t.table });
    const listed = async () => (await invoke<ListResponseBody>(list, listEvent('clean_start=false'))).body.data.map((c) => c.clientid);
    expect(await listed()).toEqual([]);

    const report = await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(conn, T0 + 5_000)]) });
    expect(report).toMatchObject({ added: 1 });
    expect(await t.store.get('p3', { consistent: true })).toMatchObject({ conn_state: 'disconnected', clean_start: false, expiry_interval: 300, created_at: T0 });
    expect(await listed()).toEqual(['p3']);
  });

  it('a run that finds offline a session the WebHook showed connected keeps it offline with the list\'s persistence', async () => {
    const conn = persistent('p5', T0);
    await webhook(connectedBody('v4', conn, ''));
    // Its disconnect was lost.
    const report = await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(conn, T0 + 5_000)]) });
    expect(report).toMatchObject({ disconnected: 1, ended: 0 });
    expect(await t.store.get('p5', { consistent: true })).toMatchObject({
      conn_state: 'disconnected',
      clean_start: false,
      expiry_interval: 300,
      expires_at: T0 + 5_000 + 300_000,
    });
  });

  it('a connected session the WebHook showed as clean is listed by clean_start=false after a run', async () => {
    const conn = persistent('p4', T0);
    await webhook(connectedBody('v4', conn, ''));
    const { list } = apiHandlers({ db: t.db, table: t.table });
    const listed = async () => (await invoke<ListResponseBody>(list, listEvent('clean_start=false'))).body.data.map((c) => c.clientid);
    expect(await listed()).toEqual([]);
    await reconcile({ db: t.db, table: t.table, view: emqx4View([listRow(conn, null)]) });
    expect(await listed()).toEqual(['p4']);
  });
});
