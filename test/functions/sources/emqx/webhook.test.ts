/**
 * EMQX webhook bodies as source events. Expectations follow the event fields
 * EMQX sends (emqx_rule_events.erl in 5.8.9, emqx_web_hook.erl in 4.4.19)
 * and the conventions for EMQX connections: conn_id '', node as given,
 * created_at = connected_at, zone 'default' (5) or 'external' (4.4).
 */
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../../functions/sessions/model.js';
import type { SourceEvent } from '../../../../functions/sessions/source-events.js';
import { InvalidEventError } from '../../../../functions/sources/invalid-event.js';
import { parseEmqxWebhook } from '../../../../functions/sources/emqx/webhook.js';
import { propertyRuns } from '../../../support/property-seed.js';

type Body = Record<string, unknown>;
const fixtures = (name: string) => JSON.parse(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, Body>;
const v5 = fixtures('emqx5-events.json');
const v4 = fixtures('emqx4-events.json');

const RECEIVED_AT = 1764318000000;
const parse = (body: unknown) => parseEmqxWebhook(body, RECEIVED_AT);

const UNKNOWN_LIMITS = { max_subscriptions: 0, max_inflight: 0, max_mqueue: 0, max_awaiting_rel: 0 };

function conn5(fields: Partial<ConnectionInfo> & Pick<ConnectionInfo, 'clientid' | 'node' | 'connected_at'>): ConnectionInfo {
  return {
    conn_id: '',
    created_at: fields.connected_at,
    username: null,
    zone: 'default',
    ip_address: '0.0.0.0',
    port: 0,
    proto_name: 'MQTT',
    proto_ver: 0,
    keepalive: 0,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    mountpoint: null,
    ...UNKNOWN_LIMITS,
    ...fields,
  };
}
const conn4 = (fields: Parameters<typeof conn5>[0]) => conn5({ zone: 'external', ...fields });

/** The error thrown by `fn`, checked to be a 400 naming `field`. */
function expectInvalid(body: unknown, field: string) {
  let error: unknown;
  try {
    parse(body);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidEventError);
  expect((error as InvalidEventError).message).toContain(`invalid event field ${field}:`);
  expect(error).toMatchObject({ status: 400 });
}

describe('EMQX 5 rule events', () => {
  it('client.connected: the full connection, the peer split into address and port', () => {
    expect(parse(v5.connected)).toEqual<SourceEvent[]>([
      {
        type: 'connected',
        conn: conn5({
          clientid: 'sensor-1',
          node: 'emqx@10.0.0.1',
          connected_at: 1764316800010,
          username: 'tenant-a',
          ip_address: '10.0.0.9',
          port: 50123,
          proto_ver: 5,
          keepalive: 60,
          clean_start: true,
          expiry_interval: 0,
          mountpoint: null,
        }),
      },
    ]);
  });

  it('client.connected of a persistent session keeps clean_start false and the expiry in seconds', () => {
    expect(parse(v5.connected_persistent)).toEqual([
      {
        type: 'connected',
        conn: conn5({
          clientid: 'gateway-7',
          node: 'emqx@10.0.0.1',
          connected_at: 1764316900000,
          username: 'tenant-b',
          ip_address: '10.0.0.20',
          port: 40001,
          proto_ver: 5,
          keepalive: 30,
          clean_start: false,
          expiry_interval: 7200,
        }),
      },
    ]);
  });

  it('reads an IPv6 peer as EMQX prints it ("addr:port", no brackets), and "undefined" as no username', () => {
    const [event] = parse(v5.connected_ipv6_no_username);
    expect(event).toMatchObject({ type: 'connected', conn: { ip_address: '2001:db8::17', port: 50200, username: null, proto_ver: 4, keepalive: 120 } });
  });

  it('reads a bracketed IPv6 peer, and fills what the event leaves out with the documented defaults', () => {
    expect(parse(v5.connected_missing_optional)).toEqual([
      {
        type: 'connected',
        conn: conn5({
          clientid: 'minimal',
          node: 'emqx@127.0.0.1',
          connected_at: 1764317600000,
          ip_address: '::1',
          port: 60000,
          proto_ver: 5,
          // What the event leaves out: no keep-alive, no username, not a bridge, no mountpoint.
          keepalive: 0,
          username: null,
          is_bridge: false,
          mountpoint: null,
        }),
      },
    ]);
  });

  it('keeps the MQTT 3.1 protocol name ("MQIsdp") as EMQX shows it, and keeps a bridge and its mountpoint', () => {
    const [event] = parse(v5.connected_bridge_mqtt31);
    expect(event).toMatchObject({
      type: 'connected',
      conn: { proto_name: 'MQIsdp', proto_ver: 3, is_bridge: true, mountpoint: 'site-a/', clean_start: false, expiry_interval: 7200 },
    });
  });

  it('client.disconnected names its connection by node and connected_at, with the default session fields', () => {
    const conn = conn5({
      clientid: 'sensor-1',
      node: 'emqx@10.0.0.1',
      connected_at: 1764316800010,
      username: 'tenant-a',
      ip_address: '10.0.0.9',
      port: 50123,
      proto_ver: 5,
    });
    expect(parse(v5.disconnected)).toEqual([{ type: 'disconnected', conn, at: 1764316860000 }]);
  });

  it('a takeover and a keep-alive timeout disconnect; a kick and a discard end the session', () => {
    expect(parse(v5.disconnected_takenover)).toMatchObject([
      { type: 'disconnected', at: 1764317100001, conn: { node: 'emqx@10.0.0.1', connected_at: 1764316900000, conn_id: '' } },
    ]);
    expect(parse(v5.disconnected_persistent)).toMatchObject([{ type: 'disconnected', at: 1764317000000 }]);
    expect(parse(v5.disconnected_kicked)).toMatchObject([
      { type: 'terminated', reason: 'kicked', at: 1764317200000, conn: { node: 'emqx@10.0.0.2', connected_at: 1764317100000 } },
    ]);
    expect(parse(v5.disconnected_discarded)).toMatchObject([
      { type: 'terminated', reason: 'discarded', at: 1764317300000, conn: { clientid: 'meter-3', username: null } },
    ]);
  });

  it('session.subscribed and session.unsubscribed: one topic each, timed by the event', () => {
    expect(parse(v5.subscribed)).toEqual([{ type: 'subscribed', clientid: 'sensor-1', at: 1764316800050, topics: [{ topic: 'sensors/+/temp', qos: 1 }] }]);
    expect(parse(v5.subscribed_shared)).toEqual([
      { type: 'subscribed', clientid: 'sensor-1', at: 1764316800060, topics: [{ topic: '$share/workers/jobs/#', qos: 2 }] },
    ]);
    expect(parse(v5.unsubscribed)).toEqual([{ type: 'unsubscribed', clientid: 'sensor-1', at: 1764316800070, topics: ['sensors/+/temp'] }]);
  });

  it('accepts the rule topic spelling of the event name', () => {
    expect(parse({ ...v5.connected, event: '$events/client_connected' })).toEqual(parse(v5.connected));
    expect(parse({ ...v5.subscribed, event: '$events/session_subscribed' })).toEqual(parse(v5.subscribed));
  });

  it('untracked events give nothing, an `action` field notwithstanding', () => {
    for (const name of ['connack', 'authz_complete', 'message_publish']) expect(parse(v5[name])).toEqual([]);
    expect(parse({ event: 'message.delivered' })).toEqual([]);
  });

  it('untracked protocols (gateways the API does not list) give nothing', () => {
    expect(parse({ ...v5.connected, proto_name: 'STOMP' })).toEqual([]);
    expect(parse({ ...v5.disconnected, proto_name: 'STOMP' })).toEqual([]);
    expect(parse({ ...v5.connected, proto_name: 'MQTT-SN' })).toMatchObject([{ conn: { proto_name: 'MQTT-SN' } }]);
  });

  it('malformed bodies: a 400 naming the field', () => {
    const without = (body: Body | undefined, field: string) => Object.fromEntries(Object.entries(body!).filter(([k]) => k !== field));
    for (const field of ['clientid', 'node', 'peername', 'proto_ver', 'clean_start', 'expiry_interval', 'connected_at']) {
      expectInvalid(without(v5.connected, field), field);
    }
    for (const field of ['clientid', 'node', 'reason', 'connected_at', 'disconnected_at']) expectInvalid(without(v5.disconnected, field), field);
    for (const field of ['clientid', 'timestamp', 'topic', 'qos']) expectInvalid(without(v5.subscribed, field), field);
    expectInvalid({ ...v5.connected, peername: '10.0.0.9' }, 'peername');
    expectInvalid({ ...v5.connected, peername: 'not-an-ip:1883' }, 'peername');
    expectInvalid({ ...v5.connected, peername: '10.0.0.9:70000' }, 'peername');
    expectInvalid({ ...v5.connected, connected_at: '1764316800010' }, 'connected_at');
    expectInvalid({ ...v5.connected, connected_at: 1.5 }, 'connected_at');
    expectInvalid({ ...v5.connected, clean_start: 'false' }, 'clean_start');
    expectInvalid({ ...v5.connected, clientid: '' }, 'clientid');
    expectInvalid({ ...v5.connected, clientid: 'a\u0000b' }, 'clientid');
    expectInvalid({ ...v5.connected, node: 'emqx#1' }, 'node');
    expectInvalid({ ...v5.connected, username: 7 }, 'username');
    expectInvalid({ ...v5.subscribed, qos: 3 }, 'qos');
    expectInvalid({ ...v5.subscribed, topic: '' }, 'topic');
    expectInvalid({ ...v5.connected, event: 5 }, 'event');
  });
});

describe('EMQX 4.4 WebHook bodies', () => {
  it('client_connected: address without port, zone external, MQTT with the documented defaults', () => {
    expect(parse(v4.client_connected)).toEqual([
      {
        type: 'connected',
        conn: conn4({
          clientid: 'sensor-1',
          node: 'emqx@10.0.0.1',
          connected_at: 1764316800010,
          username: 'tenant-a',
          ip_address: '10.0.0.9',
          port: 0,
          proto_ver: 4,
          keepalive: 60,
          clean_start: true,
          expiry_interval: 0,
        }),
        persistence: 'unreported',
      },
    ]);
  });

  it('null username, IPv6 and IPv4-mapped addresses, missing keepalive and proto_ver', () => {
    expect(parse(v4.client_connected_null_username_ipv6)).toMatchObject([{ conn: { username: null, ip_address: '2001:db8::17', proto_ver: 5 } }]);
    expect(parse(v4.client_connected_ipv4_mapped)).toMatchObject([{ conn: { ip_address: '10.0.0.77' } }]);
    expect(parse(v4.client_connected_missing_optional)).toEqual([
      {
        type: 'connected',
        conn: conn4({ clientid: 'minimal', node: 'emqx@10.0.0.1', connected_at: 1764317600000, ip_address: '127.0.0.1' }),
        persistence: 'unreported',
      },
    ]);
  });

  it('client_disconnected: normal and takeovered disconnect, kicked and discarded end the session', () => {
    expect(parse(v4.client_disconnected)).toEqual([
      {
        type: 'disconnected',
        at: 1764316860000,
        conn: conn4({ clientid: 'sensor-1', node: 'emqx@10.0.0.1', connected_at: 1764316800010, username: 'tenant-a' }),
      },
    ]);
    expect(parse(v4.client_disconnected_takeovered)).toMatchObject([
      { type: 'disconnected', at: 1764317100001, conn: { node: 'emqx@10.0.0.1', connected_at: 1764316900000 } },
    ]);
    expect(parse(v4.client_disconnected_kicked)).toMatchObject([{ type: 'terminated', reason: 'kicked', at: 1764317200000 }]);
    expect(parse(v4.client_disconnected_discarded)).toMatchObject([{ type: 'terminated', reason: 'discarded', conn: { username: null } }]);
  });

  it('session_subscribed / session_unsubscribed: qos from opts, timed at receipt', () => {
    expect(parse(v4.session_subscribed)).toEqual([{ type: 'subscribed', clientid: 'sensor-1', at: RECEIVED_AT, topics: [{ topic: 'sensors/+/temp', qos: 1 }] }]);
    expect(parse(v4.session_subscribed_qos2)).toEqual([{ type: 'subscribed', clientid: 'sensor-1', at: RECEIVED_AT, topics: [{ topic: 'alerts/#', qos: 2 }] }]);
    expect(parse(v4.session_unsubscribed)).toEqual([{ type: 'unsubscribed', clientid: 'sensor-1', at: RECEIVED_AT, topics: ['sensors/+/temp'] }]);
  });

  it('session_terminated: kicked and expired end the offline session on that node; other reasons give nothing', () => {
    expect(parse(v4.session_terminated_kicked)).toEqual([
      { type: 'session-terminated', clientid: 'gateway-7', node: 'emqx@10.0.0.2', at: RECEIVED_AT, reason: 'kicked' },
    ]);
    expect(parse(v4.session_terminated_expired)).toEqual([
      { type: 'session-terminated', clientid: 'meter-3', node: 'emqx@10.0.0.1', at: RECEIVED_AT, reason: 'expired' },
    ]);
    expect(parse(v4.session_terminated_normal)).toEqual([]);
    expect(parse(v4.session_terminated_takeovered)).toEqual([]);
  });

  it('untracked actions give nothing', () => {
    for (const name of ['client_connect', 'client_connack', 'client_subscribe', 'message_publish']) expect(parse(v4[name])).toEqual([]);
    expect(parse({ action: 'message_delivered' })).toEqual([]);
  });

  it('malformed bodies: a 400 naming the field', () => {
    const without = (body: Body | undefined, field: string) => Object.fromEntries(Object.entries(body!).filter(([k]) => k !== field));
    for (const field of ['clientid', 'node', 'ipaddress', 'connected_at']) expectInvalid(without(v4.client_connected, field), field);
    for (const field of ['reason', 'connected_at', 'disconnected_at']) expectInvalid(without(v4.client_disconnected, field), field);
    expectInvalid(without(v4.session_subscribed, 'opts'), 'opts');
    expectInvalid({ ...v4.session_subscribed, opts: { rh: 0 } }, 'opts.qos');
    expectInvalid(without(v4.session_terminated_kicked, 'node'), 'node');
    expectInvalid({ ...v4.client_connected, ipaddress: '10.0.0.9:50123' }, 'ipaddress');
    expectInvalid({ ...v4.client_connected, connected_at: -1 }, 'connected_at');
    expectInvalid({ ...v4.client_connected, action: null }, 'action');
  });
});

describe('any body', () => {
  it('not an object, or naming no event: a 400', () => {
    for (const body of [null, 'client.connected', 42, [v5.connected]]) expectInvalid(body, 'body');
    expectInvalid({ clientid: 'x' }, 'event');
  });

  it('ignores unknown extra fields', () => {
    expect(parse({ ...v5.connected, extra: { deep: [1] } })).toEqual(parse(v5.connected));
    expect(parse({ ...v4.client_connected, extra: 'x' })).toEqual(parse(v4.client_connected));
  });

  it('never throws anything but InvalidEventError, whatever the JSON', () => {
    const known = [...Object.values(v5), ...Object.values(v4)];
    const mutated = fc
      .tuple(fc.constantFrom(...known), fc.dictionary(fc.constantFrom('clientid', 'node', 'peername', 'ipaddress', 'connected_at', 'disconnected_at', 'reason', 'topic', 'qos', 'opts', 'username', 'mountpoint', 'proto_name', 'event', 'action', 'expiry_interval'), fc.jsonValue()))
      .map(([body, changes]) => ({ ...body, ...changes }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) => {
        try {
          const events = parse(body);
          expect(Array.isArray(events)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventError);
        }
      }),
      propertyRuns(2000),
    );
  });
});
