/**
 * EMQX 5's answers, rendered from domain results. Each case names the line
 * of emqx/emqx tag v5.8.9 it follows (apps/emqx_management/src/emqx_mgmt_api_clients.erl
 * unless another file is named).
 */
import { describe, expect, it } from 'vitest';
import { EMQX5_FIELD_NAMES, rfc3339 } from '../../../../functions/dialects/emqx5/client.js';
import { EMQX5_DIALECT } from '../../../../functions/dialects/emqx5/index.js';
import { parseEmqx5List } from '../../../../functions/dialects/emqx5/list.js';
import { MAX_RESPONSE_BYTES } from '../../../../functions/dialects/response-size.js';
import { ZERO_STATISTICS, type LiveSession } from '../../../../functions/sessions/model.js';
import { connection } from '../../../support/sessions.js';

const CONNECTED_AT = Date.UTC(2026, 2, 4, 9, 38, 28, 489);

function session(overrides: Partial<LiveSession> = {}): LiveSession {
  return {
    ...connection({ clientid: 'c1', node: 'emqx@10.0.0.1', connected_at: CONNECTED_AT, created_at: CONNECTED_AT - 5, max_subscriptions: 10, proto_ver: 5 }),
    conn_key: 'k',
    conn_state: 'connected',
    disconnected_at: null,
    expires_at: null,
    subscriptions_cnt: 2,
    subs_seq: 0,
    stats_seq: 0,
    ...ZERO_STATISTICS,
    inflight: 3,
    awaiting_rel: 1,
    'recv_msg.qos1': 7,
    ...overrides,
  };
}

const body = (response: { body: string }) => JSON.parse(response.body) as unknown;
const listRequest = (raw: string, action: 'listClients' | 'listClientsByCursor' = 'listClients') => parseEmqx5List(raw, {}, action);
const meta = { page: 1, limit: 100, hasnext: true, count: 42, cursor: 'next' };

describe('EMQX 5 answers', () => {
  it('l.528-702 fields(client) and l.1838-1873 format_channel_info/3: 5.x names, RFC 3339 times with ms', () => {
    const client = body(EMQX5_DIALECT.renderClient(session())) as Record<string, unknown>;
    expect(client).toMatchObject({
      clientid: 'c1',
      node: 'emqx@10.0.0.1',
      connected: true,
      connected_at: '2026-03-04T09:38:28.489+00:00',
      created_at: '2026-03-04T09:38:28.484+00:00',
      inflight_cnt: 3,
      inflight_max: 32,
      mqueue_max: 1000,
      subscriptions_cnt: 2,
      subscriptions_max: 10,
      awaiting_rel_cnt: 1,
      awaiting_rel_max: 100,
      is_expired: false,
      durable: false,
      'recv_msg.qos1': 7,
      'recv_msg.dropped.await_pubrel_timeout': 0,
      expiry_interval: 0,
      ip_address: '127.0.0.1',
      port: 50000,
      proto_ver: 5,
    });
    // l.560-567: disconnected_at only once disconnected; l.1945-1975: zone and conn_state are not shown.
    expect(client).not.toHaveProperty('disconnected_at');
    expect(client).not.toHaveProperty('zone');
    expect(client).not.toHaveProperty('conn_state');
    expect(client).not.toHaveProperty('inflight');
    expect(Object.keys(client).sort()).toEqual([...EMQX5_FIELD_NAMES].filter((f) => f !== 'disconnected_at').sort());
    const offline = body(EMQX5_DIALECT.renderClient(session({ conn_state: 'disconnected', disconnected_at: CONNECTED_AT + 1000 }))) as Record<string, unknown>;
    expect(offline).toMatchObject({ connected: false, disconnected_at: '2026-03-04T09:38:29.489+00:00' });
  });

  it('emqx_utils_calendar.erl:119-120 epoch_to_rfc3339: milliseconds and the +00:00 offset of a node in UTC', () => {
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00.000+00:00');
  });

  it('l.1217-1223 lookup/1: one object, or 404 CLIENTID_NOT_FOUND "Client ID not found" (l.98-101)', () => {
    expect(EMQX5_DIALECT.renderClient(undefined).statusCode).toBe(404);
    expect(body(EMQX5_DIALECT.renderClient(undefined))).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
    expect(Array.isArray(body(EMQX5_DIALECT.renderClient(session())))).toBe(false);
  });

  it('emqx_dashboard_swagger.erl:242-243 fields(meta) and l.211-218: page, limit, hasnext, and count only where exact', () => {
    const request = listRequest('page=1');
    expect(body(EMQX5_DIALECT.renderList({ sessions: [session()], meta }, request))).toMatchObject({ meta: { page: 1, limit: 100, hasnext: true, count: 42 } });
    const filtered = body(EMQX5_DIALECT.renderList({ sessions: [], meta: { ...meta, count: -1 } }, listRequest('like_clientid=x'))) as { meta: object };
    expect(filtered.meta).toEqual({ page: 1, limit: 100, hasnext: true });
  });

  it('l.1019-1042 format_results/2: clients_v2 meta is {count: rows of this page, cursor} and no cursor on the last page', () => {
    const request = listRequest('', 'listClientsByCursor');
    expect(body(EMQX5_DIALECT.renderList({ sessions: [session(), session({ clientid: 'c2' })], meta }, request))).toMatchObject({
      meta: { count: 2, cursor: 'next' },
    });
    const last = body(EMQX5_DIALECT.renderList({ sessions: [session()], meta: { ...meta, hasnext: false, cursor: undefined } }, request)) as { meta: object };
    expect(last.meta).toEqual({ count: 1 });
  });

  it('l.1976-1977 with_client_info_fields: fields= keeps only those keys', () => {
    const request = listRequest('fields=clientid,connected,disconnected_at,n_streams');
    const page = body(EMQX5_DIALECT.renderList({ sessions: [session()], meta }, request)) as { data: object[] };
    expect(page.data).toEqual([{ clientid: 'c1', connected: true }]);
  });

  it('l.1225-1231 kickout/1: 204 for a kick (taken, confirmed or not), 404 CLIENTID_NOT_FOUND for an unknown client', () => {
    expect(EMQX5_DIALECT.renderKick('kicked')).toMatchObject({ statusCode: 204, body: '' });
    expect(EMQX5_DIALECT.renderKick('pending')).toMatchObject({ statusCode: 204, body: '' });
    expect(EMQX5_DIALECT.renderKick('not-found').statusCode).toBe(404);
    expect(body(EMQX5_DIALECT.renderKick('not-found'))).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
  });

  it('l.855-862 kickout_clients/2: 204, unknown clientids included; an unreachable broker is 503 SERVICE_UNAVAILABLE (apps/emqx/include/http_api.hrl:52)', () => {
    const taken = EMQX5_DIALECT.renderBulkKick([
      { clientid: 'a', outcome: 'kicked' },
      { clientid: 'b', outcome: 'pending' },
      { clientid: 'c', outcome: 'not-found' },
    ]);
    expect(taken).toMatchObject({ statusCode: 204, body: '' });
    const unreachable = EMQX5_DIALECT.renderBulkKick([
      { clientid: 'a', outcome: 'kicked' },
      { clientid: 'b', outcome: 'unavailable' },
    ]);
    expect(unreachable.statusCode).toBe(503);
    expect(unreachable.headers).toMatchObject({ 'Retry-After': '1' });
    expect(body(unreachable)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('b') });
  });

  it('emqx_mgmt_api_subscriptions.erl:78-91,174-191: {node, topic, clientid, qos, nl, rap, rh, durable}; 404 for an unknown client (l.894-897)', () => {
    const response = EMQX5_DIALECT.renderSubscriptions(session(), [{ topic: 'a/#', qos: 1 }]);
    expect(body(response)).toEqual([{ node: 'emqx@10.0.0.1', topic: 'a/#', clientid: 'c1', qos: 1, nl: 0, rap: 0, rh: 0, durable: false }]);
    expect(body(EMQX5_DIALECT.renderSubscriptions(session(), []))).toEqual([]);
    expect(body(EMQX5_DIALECT.renderSubscriptions(undefined, []))).toEqual({ code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' });
  });

  it('apps/emqx/include/http_api.hrl:34-52 and l.974: domain errors in EMQX 5 codes; a bad cursor is BAD_REQUEST "bad cursor"', () => {
    const render = (e: Parameters<typeof EMQX5_DIALECT.renderError>[0]) => ({ status: EMQX5_DIALECT.renderError(e).statusCode, body: body(EMQX5_DIALECT.renderError(e)) });
    expect(render({ kind: 'bad-cursor', accepts: 'a cursor from meta.cursor' })).toEqual({ status: 400, body: { code: 'BAD_REQUEST', message: 'bad cursor' } });
    expect(render({ kind: 'invalid-parameter', parameter: 'body', accepts: 'a JSON array of 1 to 100 clientids' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(render({ kind: 'response-too-large', parameter: 'limit', maxBytes: MAX_RESPONSE_BYTES })).toMatchObject({ status: 400, body: { code: 'INVALID_PARAMETER', message: expect.stringContaining('limit') } });
    expect(render({ kind: 'client-not-found' })).toEqual({ status: 404, body: { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } });
    expect(render({ kind: 'broker-unavailable', detail: 'down' })).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
    expect(render({ kind: 'internal' })).toEqual({ status: 500, body: { code: 'INTERNAL_ERROR', message: 'internal error' } });
  });
});
