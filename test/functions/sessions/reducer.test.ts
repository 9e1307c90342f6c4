import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connKey } from '../../../functions/sessions/keys.js';
import { isVisible, type ConnectionInfo } from '../../../functions/sessions/model.js';
import { applyEvent } from '../../../functions/sessions/reducer.js';
import { propertyRuns } from '../../support/property-seed.js';
import { deliveryArbitrary, fold } from '../../support/scenarios.js';
import { connected, connection, disconnected, statistics, subscriptions, terminated } from '../../support/sessions.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const persistent = (overrides: Partial<ConnectionInfo> & { clientid: string }) =>
  connection({ clean_start: false, expiry_interval: 3600, ...overrides });

describe('applyEvent', () => {
  it('starts a connected session from a connect', () => {
    const conn = connection({ clientid: 'c', connected_at: T0 });
    const record = fold([connected(conn)]);
    expect(record).toMatchObject({ ...conn, conn_state: 'connected', conn_key: connKey(conn), disconnected_at: null, expires_at: null });
    expect(record).toMatchObject({ subscriptions_cnt: 0, mqueue_len: 0, recv_oct: 0 });
  });

  it('reports a duplicate as no change', () => {
    const conn = connection({ clientid: 'c' });
    const record = fold([connected(conn), statistics(conn, 3, { recv_oct: 10 })]);
    expect(applyEvent(record, connected(conn))).toBeUndefined();
    expect(applyEvent(record, statistics(conn, 3, { recv_oct: 10 }))).toBeUndefined();
  });

  it('lets a takeover by a newer connection replace the session, even from another node', () => {
    const old = persistent({ clientid: 'c', node: 'node-a', connected_at: T0 });
    const newer = persistent({ clientid: 'c', node: 'node-b', connected_at: T0 + 5000, created_at: T0 });
    const record = fold([connected(old), statistics(old, 1, { mqueue_len: 9 }), connected(newer)]);
    expect(record).toMatchObject({ node: 'node-b', conn_key: connKey(newer), conn_state: 'connected', mqueue_len: 0, created_at: T0 });
  });

  it('ignores a late disconnect of the old connection after a takeover', () => {
    const old = persistent({ clientid: 'c', node: 'node-a', connected_at: T0 });
    const newer = persistent({ clientid: 'c', node: 'node-b', connected_at: T0 + 5000 });
    const afterTakeover = fold([connected(old), connected(newer)]);
    expect(applyEvent(afterTakeover, disconnected(old, T0 + 6000))).toBeUndefined();
    expect(applyEvent(afterTakeover, terminated(old, 'discarded', T0 + 6000))).toBeUndefined();
    expect(applyEvent(afterTakeover, connected(old))).toBeUndefined();
  });

  it('orders connections that connected in the same millisecond by node and connection id', () => {
    const a = connection({ clientid: 'c', node: 'node-a', conn_id: 'x', connected_at: T0 });
    const b = connection({ clientid: 'c', node: 'node-b', conn_id: 'x', connected_at: T0 });
    expect(fold([connected(a), connected(b)])).toMatchObject({ node: 'node-b' });
    expect(fold([connected(b), connected(a)])).toMatchObject({ node: 'node-b' });
  });

  it('ignores statistics and subscriptions older than what it has', () => {
    const conn = connection({ clientid: 'c' });
    const record = fold([connected(conn), statistics(conn, 5, { mqueue_len: 50 }), subscriptions(conn, 4, 7)]);
    expect(applyEvent(record, statistics(conn, 4, { mqueue_len: 40 }))).toBeUndefined();
    expect(applyEvent(record, statistics(conn, 5, { mqueue_len: 55 }))).toBeUndefined();
    expect(applyEvent(record, subscriptions(conn, 3, 1))).toBeUndefined();
    expect(fold([statistics(conn, 6, { mqueue_len: 60, recv_oct: 1 })], record)).toMatchObject({ mqueue_len: 60, recv_oct: 1, stats_seq: 6, subscriptions_cnt: 7 });
  });

  it('replaces every statistic of a newer snapshot', () => {
    const conn = connection({ clientid: 'c' });
    const record = fold([connected(conn), statistics(conn, 1, { inflight: 3, heap_size: 100 }), statistics(conn, 2, { send_msg: 4 })]);
    expect(record).toMatchObject({ inflight: 0, heap_size: 0, send_msg: 4 });
  });

  it('keeps an MQTT 5 session that started clean but has an expiry, as EMQX does', () => {
    const conn = connection({ clientid: 'c', proto_ver: 5, clean_start: true, expiry_interval: 3600 });
    const record = fold([connected(conn), disconnected(conn, T0 + 1000)]);
    expect(record).toMatchObject({ conn_state: 'disconnected', disconnected_at: T0 + 1000, expires_at: T0 + 1000 + 3_600_000 });
  });

  it('ends a clean session at disconnect', () => {
    const conn = connection({ clientid: 'c', clean_start: true, expiry_interval: 0 });
    const record = fold([connected(conn), disconnected(conn, T0 + 1000)]);
    expect(record).toEqual({ clientid: 'c', conn_key: connKey(conn), conn_state: null, ended_at: T0 + 1000, ended_reason: 'disconnected' });
    expect(isVisible(record, T0)).toBe(false);
  });

  it('ends a session without expiry at disconnect, even if not clean', () => {
    const conn = connection({ clientid: 'c', clean_start: false, expiry_interval: 0 });
    expect(fold([connected(conn), disconnected(conn)])).toMatchObject({ conn_state: null });
  });

  it('keeps a persistent session disconnected until its expiry', () => {
    const conn = persistent({ clientid: 'c', connected_at: T0, expiry_interval: 60 });
    const record = fold([connected(conn), disconnected(conn, T0 + 1000)]);
    expect(record).toMatchObject({ conn_state: 'disconnected', disconnected_at: T0 + 1000, expires_at: T0 + 61_000 });
    expect(isVisible(record, T0 + 60_999)).toBe(true);
    expect(isVisible(record, T0 + 61_000)).toBe(false);
    // A second disconnect of the same connection changes nothing.
    expect(applyEvent(record, disconnected(conn, T0 + 2000))).toBeUndefined();
  });

  it('brings a disconnected persistent session back with a reconnect', () => {
    const first = persistent({ clientid: 'c', connected_at: T0 });
    const second = persistent({ clientid: 'c', connected_at: T0 + 10_000, created_at: T0 });
    const record = fold([connected(first), disconnected(first, T0 + 1000), connected(second)]);
    expect(record).toMatchObject({ conn_state: 'connected', disconnected_at: null, expires_at: null, connected_at: T0 + 10_000, created_at: T0 });
  });

  it('ends a session on terminated, and ignores everything of that connection after', () => {
    const conn = persistent({ clientid: 'c' });
    const record = fold([connected(conn), terminated(conn, 'kicked', T0 + 5)]);
    expect(record).toMatchObject({ conn_state: null, ended_reason: 'kicked', ended_at: T0 + 5 });
    for (const late of [connected(conn), disconnected(conn), statistics(conn, 9, {}), subscriptions(conn, 9, 1), terminated(conn, 'expired')]) {
      expect(applyEvent(record, late)).toBeUndefined();
    }
    // A newer connection starts a new session.
    const next = connection({ clientid: 'c', connected_at: conn.connected_at + 1 });
    expect(applyEvent(record, connected(next))).toMatchObject({ conn_state: 'connected', conn_key: connKey(next) });
  });

  it('keeps the earliest end of a connection reported ended twice, whichever report comes first', () => {
    const conn = connection({ clientid: 'c', clean_start: true, connected_at: T0 });
    const disconnect = disconnected(conn, T0 + 100);
    const kick = terminated(conn, 'kicked', T0 + 200);
    const earliest = { clientid: 'c', conn_key: connKey(conn), conn_state: null, ended_at: T0 + 100, ended_reason: 'disconnected' };
    expect(fold([connected(conn), disconnect, kick])).toEqual(earliest);
    expect(fold([connected(conn), kick, disconnect])).toEqual(earliest);
    expect(fold([kick, connected(conn), disconnect])).toEqual(earliest);
    // Same instant: the reason decides, so that the order still does not.
    const tie = terminated(conn, 'discarded', T0 + 100);
    expect(fold([connected(conn), tie, disconnect])).toEqual(fold([connected(conn), disconnect, tie]));
  });

  it('ends a disconnected persistent session on terminated (expired)', () => {
    const conn = persistent({ clientid: 'c' });
    expect(fold([connected(conn), disconnected(conn), terminated(conn, 'expired', T0 + 10)])).toMatchObject({ conn_state: null, ended_reason: 'expired' });
  });

  it('lets whichever event of a connection comes first stand for it', () => {
    const conn = persistent({ clientid: 'c' });
    expect(fold([statistics(conn, 2, { mqueue_len: 3 })])).toMatchObject({ conn_state: 'connected', mqueue_len: 3 });
    expect(fold([disconnected(conn, T0 + 50), connected(conn)])).toMatchObject({ conn_state: 'disconnected', disconnected_at: T0 + 50 });
  });
});

describe('applyEvent is insensitive to order and repetition (property)', () => {
  it('any order of the events, with duplicates, ends in the very record of the broker order', () => {
    fc.assert(
      fc.property(deliveryArbitrary('c'), ({ inOrder, delivered }) => {
        expect(fold(delivered)).toEqual(fold(inOrder));
      }),
      propertyRuns(1000),
    );
  });
});
