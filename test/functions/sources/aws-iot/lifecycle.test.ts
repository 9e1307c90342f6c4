import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../../../functions/sessions/reducer.js';
import type { ConnectionInfo, SessionEvent, SessionRecord } from '../../../../functions/sessions/model.js';
import type { SourceEvent } from '../../../../functions/sessions/source-events.js';
import {
  awsIotConnId,
  parseStoredConnection,
  placeConnection,
  VERSION_RESET_WINDOW_MS,
} from '../../../../functions/sources/aws-iot/connection-version.js';
import { parseAwsIotEvent, type AwsIotOptions } from '../../../../functions/sources/aws-iot/lifecycle.js';
import { InvalidEventError } from '../../../../functions/sources/invalid-event.js';
import fixtures from '../../../fixtures/aws-iot-events.json' with { type: 'json' };
import { propertyRuns } from '../../../support/property-seed.js';

const NODE = 'aws-iot@eu-west-1';
const OPTIONS: AwsIotOptions = { node: NODE, sessionExpirySeconds: 3600, persistentSessions: false };
const PERSISTENT: AwsIotOptions = { ...OPTIONS, persistentSessions: true };

/** What every AWS IoT connection is, whatever its event says. */
function awsConn(fields: Pick<ConnectionInfo, 'clientid' | 'conn_id' | 'connected_at' | 'ip_address'> & Partial<ConnectionInfo>): ConnectionInfo {
  return {
    node: NODE,
    created_at: fields.connected_at,
    username: null,
    zone: 'aws-iot',
    port: 0,
    proto_name: 'MQTT',
    proto_ver: 0,
    keepalive: 0,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    mountpoint: null,
    max_subscriptions: 0,
    max_inflight: 0,
    max_mqueue: 0,
    max_awaiting_rel: 0,
    ...fields,
  };
}

function only(events: SourceEvent[]): SourceEvent {
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** The session event a resolve event gives against `current`. */
function resolved(body: unknown, current: SessionRecord | undefined, options = OPTIONS): SessionEvent | undefined {
  const event = only(parseAwsIotEvent(body, options));
  if (event.type !== 'resolve') throw new Error(`expected a resolve event, got ${event.type}`);
  return event.resolve(current);
}

describe('parseAwsIotEvent: the fixtures', () => {
  it('maps a connect of a client with no stored session to a connection at the event time', () => {
    const event = only(parseAwsIotEvent(fixtures.connected, OPTIONS));
    expect(event).toMatchObject({ type: 'resolve', clientid: '186b5' });
    expect(resolved(fixtures.connected, undefined)).toEqual({
      type: 'connected',
      conn: awsConn({
        clientid: '186b5',
        conn_id: '00000000000000000000#a4666d2a7d844ae4ac5d7b38c9cb7967',
        connected_at: 1573002230757,
        ip_address: '192.0.2.0',
      }),
    });
  });

  it('compresses IPv6 and unmaps IPv4-mapped addresses; thingName changes nothing', () => {
    expect(resolved(fixtures.connectedIpv6Thing, undefined)).toEqual({
      type: 'connected',
      conn: awsConn({
        clientid: 'thermostat-17',
        conn_id: '00000000000000000042#00000000-0000-0000-0000-0000000000a1',
        connected_at: 1764158400123,
        ip_address: '2001:db8::17',
      }),
    });
    expect(resolved(fixtures.connectedMappedIpv4, undefined)).toEqual({
      type: 'connected',
      conn: awsConn({ clientid: 'gateway/7', conn_id: '00000000000000000003#5f2c', connected_at: 1764158400000, ip_address: '198.51.100.7' }),
    });
  });

  it('makes connections persistent with the configured expiry when the fleet uses persistent sessions', () => {
    expect(resolved(fixtures.connected, undefined, PERSISTENT)).toMatchObject({
      type: 'connected',
      conn: { clean_start: false, expiry_interval: 3600 },
    });
  });

  it('ends the stored connection on its disconnect, keeping what its connect said', () => {
    const connect = resolved(fixtures.connected, undefined)!;
    const stored = applyEvent(undefined, connect)!;
    expect(resolved(fixtures.disconnected, stored)).toEqual({ type: 'disconnected', conn: connect.conn, at: 1573002340451 });
  });

  it('takes a disconnect that arrives first as its connection, address unknown', () => {
    expect(resolved(fixtures.disconnectedKeepAlive, undefined)).toEqual({
      type: 'disconnected',
      conn: awsConn({ clientid: 'gateway/7', conn_id: '00000000000000000003#5f2c', connected_at: 1764158490000, ip_address: '0.0.0.0' }),
      at: 1764158490000,
    });
  });

  it('treats a takeover (DUPLICATE_CLIENTID) as a disconnect and an API kick as a kick', () => {
    const stored = applyEvent(undefined, resolved(fixtures.connectedIpv6Thing, undefined)!)!;
    expect(resolved(fixtures.disconnectedTakeover, stored)).toMatchObject({ type: 'disconnected', at: 1764158460000 });
    expect(resolved(fixtures.disconnectedKick, stored)).toMatchObject({ type: 'terminated', reason: 'kicked', at: 1764158470000 });
  });

  it('maps subscribe and unsubscribe events to topic changes, QoS 0 by default', () => {
    expect(parseAwsIotEvent(fixtures.subscribed, OPTIONS)).toEqual([
      {
        type: 'subscribed',
        clientid: '186b5',
        at: 1460065214626,
        topics: [
          { topic: 'foo/bar', qos: 0 },
          { topic: 'device/data', qos: 0 },
          { topic: 'dog/cat', qos: 0 },
        ],
      },
    ]);
    expect(parseAwsIotEvent(fixtures.unsubscribed, OPTIONS)).toEqual([
      { type: 'unsubscribed', clientid: '186b5', at: 1460065214700, topics: ['device/data'] },
    ]);
  });

  it('ignores event types that do not concern sessions, and topic changes without topics', () => {
    expect(parseAwsIotEvent(fixtures.unknownEventType, OPTIONS)).toEqual([]);
    expect(parseAwsIotEvent({ ...fixtures.subscribed, topics: [] }, OPTIONS)).toEqual([]);
  });
});

describe('parseAwsIotEvent: malformed events', () => {
  const cases: Array<[string, unknown]> = [
    ['body', null],
    ['body', [fixtures.connected]],
    ['body', 'connected'],
    ['eventType', { ...fixtures.connected, eventType: 7 }],
    ['eventType', { clientId: 'a' }],
    ['clientId', { ...fixtures.connected, clientId: '' }],
    ['clientId', { ...fixtures.disconnected, clientId: 12 }],
    ['clientId', { ...fixtures.subscribed, clientId: 'a\u0000b' }],
    ['timestamp', { ...fixtures.connected, timestamp: '1573002230757' }],
    ['timestamp', { ...fixtures.disconnected, timestamp: 1.5 }],
    ['timestamp', { ...fixtures.unsubscribed, timestamp: -1 }],
    ['sessionIdentifier', { ...fixtures.connected, sessionIdentifier: '' }],
    ['versionNumber', { ...fixtures.connected, versionNumber: -1 }],
    ['versionNumber', { ...fixtures.disconnected, versionNumber: '3' }],
    ['ipAddress', { ...fixtures.connected, ipAddress: 'not-an-ip' }],
    ['ipAddress', { ...fixtures.connected, ipAddress: undefined }],
    ['disconnectReason', { ...fixtures.disconnected, disconnectReason: 5 }],
    ['clientInitiatedDisconnect', { ...fixtures.disconnected, clientInitiatedDisconnect: 'yes' }],
    ['topics', { ...fixtures.subscribed, topics: 'foo/bar' }],
    ['topics', { ...fixtures.unsubscribed, topics: [''] }],
  ];

  it.each(cases)('names %s', (field, body) => {
    let thrown: unknown;
    try {
      parseAwsIotEvent(body, OPTIONS);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect((thrown as InvalidEventError).status).toBe(400);
    expect((thrown as Error).message).toContain(`field ${field}:`);
  });

  it('throws nothing but InvalidEventError for arbitrary JSON, and its events resolve without throwing', () => {
    const knownType = fc.constantFrom('connected', 'disconnected', 'subscribed', 'unsubscribed', 'other');
    const lifecycleLike = fc.record(
      {
        eventType: knownType,
        clientId: fc.oneof(fc.string(), fc.jsonValue()),
        timestamp: fc.oneof(fc.integer({ min: -1, max: 2e13 }), fc.double(), fc.jsonValue()),
        sessionIdentifier: fc.oneof(fc.string(), fc.jsonValue()),
        versionNumber: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.jsonValue()),
        ipAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()),
        disconnectReason: fc.oneof(fc.constantFrom('API_INITIATED_DISCONNECT', 'DUPLICATE_CLIENTID'), fc.jsonValue()),
        topics: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      },
      { requiredKeys: ['eventType'] },
    );
    const stored = applyEvent(undefined, resolved(fixtures.connected, undefined)!)!;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), lifecycleLike), fc.boolean(), (body, persistent) => {
        let events: SourceEvent[];
        try {
          events = parseAwsIotEvent(body, persistent ? PERSISTENT : OPTIONS);
        } catch (error) {
          return error instanceof InvalidEventError;
        }
        for (const event of events) {
          if (event.type !== 'resolve') continue;
          event.resolve(undefined);
          event.resolve(stored);
        }
        return true;
      }),
      propertyRuns(2000),
    );
  });
});

describe('placeConnection: naming a connection by its version', () => {
  const T = Date.UTC(2026, 10, 1, 12, 0, 0);
  const record = (connectedAt: number, version: number, session: string): SessionRecord =>
    applyEvent(undefined, {
      type: 'connected',
      conn: awsConn({ clientid: 'c', conn_id: awsIotConnId(version, session), connected_at: connectedAt, ip_address: '192.0.2.1' }),
    })!;

  it('reads the version and session back from a stored connection key, and only of its own node', () => {
    const stored = record(T, 12, 'sess#with#hashes');
    expect(parseStoredConnection(stored.conn_key, NODE)).toEqual({ connectedAt: T, version: 12, sessionIdentifier: 'sess#with#hashes' });
    expect(parseStoredConnection(stored.conn_key, 'aws-iot@us-east-1')).toBeUndefined();
    expect(parseStoredConnection(`${T}#emqx@10.0.0.1#`, NODE)).toBeUndefined();
  });

  it('names the stored connection by version and session, whatever the event time', () => {
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 5, sessionIdentifier: 's5', timestamp: T - 90_000 })).toEqual({
      connectedAt: T,
      stored: true,
    });
  });

  it('places a higher version after the stored connection even when its time is earlier', () => {
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 6, sessionIdentifier: 's6', timestamp: T - 60_000 })).toEqual({
      connectedAt: T + 1,
      stored: false,
    });
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 9, sessionIdentifier: 's9', timestamp: T + 5000 })).toEqual({
      connectedAt: T + 5000,
      stored: false,
    });
  });

  it('drops a lower version as stale, unless it comes after a version reset', () => {
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 4, sessionIdentifier: 's4', timestamp: T + 120_000 })).toBeUndefined();
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 5, sessionIdentifier: 'other', timestamp: T + 1 })).toBeUndefined();
    const afterReset = T + VERSION_RESET_WINDOW_MS + 1;
    expect(placeConnection(record(T, 5, 's5'), NODE, { version: 0, sessionIdentifier: 's0', timestamp: afterReset })).toEqual({
      connectedAt: afterReset,
      stored: false,
    });
  });

  it('drops a higher version from before a reset: its time lies well before the stored connection', () => {
    expect(placeConnection(record(T, 0, 'after'), NODE, { version: 7, sessionIdentifier: 'before', timestamp: T - VERSION_RESET_WINDOW_MS - 1 })).toBeUndefined();
    expect(placeConnection(record(T, 0, 'after'), NODE, { version: 1, sessionIdentifier: 'next', timestamp: T - 2 * 60_000 })).toEqual({
      connectedAt: T + 1,
      stored: false,
    });
  });

  it('orders against a tombstone as against a live record', () => {
    const live = record(T, 5, 's5');
    const tombstone = applyEvent(live, { type: 'terminated', conn: (live as ConnectionInfo & SessionRecord) as ConnectionInfo, at: T + 10, reason: 'kicked' })!;
    expect(tombstone.conn_state).toBeNull();
    expect(placeConnection(tombstone, NODE, { version: 5, sessionIdentifier: 's5', timestamp: T + 20 })).toEqual({ connectedAt: T, stored: true });
    expect(placeConnection(tombstone, NODE, { version: 3, sessionIdentifier: 's3', timestamp: T + 20 })).toBeUndefined();
  });
});
