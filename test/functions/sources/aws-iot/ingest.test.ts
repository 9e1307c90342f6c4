/** AWS IoT lifecycle events through the source writer into DynamoDB Local: ordering, duplicates, resets. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLive, type SessionRecord } from '../../../../functions/sessions/model.js';
import { SourceWriter } from '../../../../functions/sessions/source-writer.js';
import { readTopics } from '../../../../functions/sessions/topics.js';
import { awsIotConnId } from '../../../../functions/sources/aws-iot/connection-version.js';
import { parseAwsIotEvent, type AwsIotOptions } from '../../../../functions/sources/aws-iot/lifecycle.js';
import { createTestTable, type TestTable } from '../../../support/dynamodb.js';
import { propertyRuns } from '../../../support/property-seed.js';

const NODE = 'aws-iot@eu-west-1';
const CLEAN: AwsIotOptions = { node: NODE, sessionExpirySeconds: 3600, persistentSessions: false };
const PERSISTENT: AwsIotOptions = { ...CLEAN, persistentSessions: true };
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const MINUTE = 60_000;

let t: TestTable;
let writer: SourceWriter;
beforeAll(async () => {
  t = await createTestTable();
  writer = new SourceWriter(t.db, t.table);
});
afterAll(async () => t.drop());

let counter = 0;
const nextClientId = (name: string) => `${name}-${++counter}`;

type Conn = { clientId: string; version: number; session: string };

const connect = (c: Conn, timestamp: number, ipAddress = '192.0.2.10') => ({
  clientId: c.clientId,
  timestamp,
  eventType: 'connected',
  sessionIdentifier: c.session,
  principalIdentifier: 'cert-1',
  ipAddress,
  versionNumber: c.version,
  topic: `$aws/events/presence/connected/${c.clientId}`,
});

const disconnect = (c: Conn, timestamp: number, disconnectReason = 'CLIENT_INITIATED_DISCONNECT') => ({
  clientId: c.clientId,
  timestamp,
  eventType: 'disconnected',
  sessionIdentifier: c.session,
  principalIdentifier: 'cert-1',
  clientInitiatedDisconnect: disconnectReason === 'CLIENT_INITIATED_DISCONNECT',
  disconnectReason,
  versionNumber: c.version,
  topic: `$aws/events/presence/disconnected/${c.clientId}`,
});

const topicEvent = (clientId: string, eventType: 'subscribed' | 'unsubscribed', timestamp: number, topics: string[]) => ({
  clientId,
  timestamp,
  eventType,
  sessionIdentifier: 'sub-session',
  principalIdentifier: 'cert-1',
  topics,
  topic: `$aws/events/subscriptions/${eventType}/${clientId}`,
});

/** Applies every source event of the body; 'applied' if any changed the table. */
async function ingest(body: unknown, options = CLEAN): Promise<'applied' | 'ignored'> {
  let outcome: 'applied' | 'ignored' = 'ignored';
  for (const event of parseAwsIotEvent(body, options)) {
    if ((await writer.apply(event)) === 'applied') outcome = 'applied';
  }
  return outcome;
}

const stored = (clientid: string): Promise<SessionRecord | undefined> => t.store.get(clientid, { consistent: true });

/** The conn_id part of a stored connection key: `<version, 20 digits>#<session>`. */
const connIdOf = (record: SessionRecord | undefined): string | undefined => record?.conn_key.split(`#${NODE}#`)[1];

describe('AWS IoT lifecycle events in the sessions table', () => {
  it('records a connect with the AWS IoT connection defaults and ends it on its disconnect', async () => {
    const c = { clientId: nextClientId('plain'), version: 3, session: 's-plain' };
    expect(await ingest(connect(c, T0, '2001:db8:0:0::5'))).toBe('applied');
    const record = await stored(c.clientId);
    expect(record).toMatchObject({
      node: NODE,
      conn_id: awsIotConnId(3, 's-plain'),
      conn_state: 'connected',
      connected_at: T0,
      created_at: T0,
      ip_address: '2001:db8::5',
      zone: 'aws-iot',
      username: null,
      proto_name: 'MQTT',
      clean_start: true,
      expiry_interval: 0,
    });
    expect(await ingest(disconnect(c, T0 + MINUTE))).toBe('applied');
    expect(await stored(c.clientId)).toMatchObject({ conn_state: null, ended_at: T0 + MINUTE, ended_reason: 'disconnected' });
  });

  it('ignores duplicates of connects and disconnects', async () => {
    const c = { clientId: nextClientId('dup'), version: 1, session: 's-dup' };
    expect(await ingest(connect(c, T0))).toBe('applied');
    expect(await ingest(connect(c, T0))).toBe('ignored');
    expect(await ingest(disconnect(c, T0 + MINUTE))).toBe('applied');
    expect(await ingest(disconnect(c, T0 + MINUTE))).toBe('ignored');
    expect(await ingest(connect(c, T0))).toBe('ignored');
    expect(await stored(c.clientId)).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
  });

  it('lets a newer version win even when its timestamp is older (±2 min clocks)', async () => {
    const clientId = nextClientId('skew');
    const older = { clientId, version: 8, session: 's8' };
    const newer = { clientId, version: 9, session: 's9' };
    await ingest(connect(older, T0 + 2 * MINUTE));
    expect(await ingest(connect(newer, T0))).toBe('applied');
    const record = await stored(clientId);
    expect(record).toMatchObject({ conn_state: 'connected', conn_id: awsIotConnId(9, 's9') });
    // Its connect time is moved just past the older connection's, so connection keys keep the version order.
    expect(record && isLive(record) ? record.connected_at : undefined).toBe(T0 + 2 * MINUTE + 1);
    // The older connection's late events change nothing.
    expect(await ingest(disconnect(older, T0 + 3 * MINUTE, 'DUPLICATE_CLIENTID'))).toBe('ignored');
    expect(await ingest(connect(older, T0 + 2 * MINUTE))).toBe('ignored');
    expect(await stored(clientId)).toMatchObject({ conn_state: 'connected', conn_id: awsIotConnId(9, 's9') });
    // And the newer connection's disconnect, whatever its time, names it.
    expect(await ingest(disconnect(newer, T0 - MINUTE))).toBe('applied');
    expect(await stored(clientId)).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
  });

  it('keeps the new connection on a takeover whichever report comes first', async () => {
    for (const takeoverFirst of [true, false]) {
      const clientId = nextClientId('takeover');
      const first = { clientId, version: 4, session: 'first' };
      const second = { clientId, version: 6, session: 'second' };
      await ingest(connect(first, T0));
      const events = [disconnect(first, T0 + 10 * MINUTE, 'DUPLICATE_CLIENTID'), connect(second, T0 + 10 * MINUTE)];
      for (const body of takeoverFirst ? events : events.reverse()) await ingest(body);
      expect(await stored(clientId)).toMatchObject({ conn_state: 'connected', conn_id: awsIotConnId(6, 'second'), connected_at: T0 + 10 * MINUTE });
    }
  });

  it('ends the session as kicked on API_INITIATED_DISCONNECT, persistent or not', async () => {
    for (const options of [CLEAN, PERSISTENT]) {
      const c = { clientId: nextClientId('kick'), version: 2, session: 's-kick' };
      await ingest(connect(c, T0), options);
      expect(await ingest(disconnect(c, T0 + MINUTE, 'API_INITIATED_DISCONNECT'), options)).toBe('applied');
      expect(await stored(c.clientId)).toMatchObject({ conn_state: null, ended_reason: 'kicked', ended_at: T0 + MINUTE });
    }
  });

  it('keeps a persistent session offline until it expires, and resumes it on the next connection', async () => {
    const clientId = nextClientId('persistent');
    const first = { clientId, version: 10, session: 'p1' };
    await ingest(connect(first, T0), PERSISTENT);
    await ingest(disconnect(first, T0 + MINUTE, 'CONNECTION_LOST'), PERSISTENT);
    expect(await stored(clientId)).toMatchObject({
      conn_state: 'disconnected',
      disconnected_at: T0 + MINUTE,
      expires_at: T0 + MINUTE + 3600 * 1000,
      ip_address: '192.0.2.10',
    });
    const second = { clientId, version: 11, session: 'p2' };
    await ingest(connect(second, T0 + 5 * MINUTE, '198.51.100.1'), PERSISTENT);
    expect(await stored(clientId)).toMatchObject({ conn_state: 'connected', created_at: T0, connected_at: T0 + 5 * MINUTE, ip_address: '198.51.100.1' });
  });

  it('takes a connection after a version reset (an hour offline) as newer, and still drops stale events', async () => {
    const clientId = nextClientId('reset');
    const before = { clientId, version: 7, session: 'before' };
    await ingest(connect(before, T0));
    await ingest(disconnect(before, T0 + 10 * MINUTE));
    const after = { clientId, version: 0, session: 'after' };
    expect(await ingest(connect(after, T0 + 75 * MINUTE))).toBe('applied');
    expect(await stored(clientId)).toMatchObject({ conn_state: 'connected', conn_id: awsIotConnId(0, 'after'), connected_at: T0 + 75 * MINUTE });
    // A late duplicate of the old connection (higher version, earlier time) must not end the new one.
    expect(await ingest(disconnect(before, T0 + 10 * MINUTE))).toBe('ignored');
    expect(await stored(clientId)).toMatchObject({ conn_state: 'connected', conn_id: awsIotConnId(0, 'after') });
  });

  it('keeps the exact topic set of the live session', async () => {
    const c = { clientId: nextClientId('topics'), version: 1, session: 's-topics' };
    await ingest(connect(c, T0));
    await ingest(topicEvent(c.clientId, 'subscribed', T0 + 1000, ['dev/+/temp', 'dev/1/cmd', 'all/#']));
    await ingest(topicEvent(c.clientId, 'unsubscribed', T0 + 2000, ['dev/1/cmd']));
    await ingest(topicEvent(c.clientId, 'subscribed', T0 + 1000, ['dev/+/temp', 'dev/1/cmd', 'all/#']));
    expect(await readTopics(t.db, t.table, c.clientId, { consistent: true })).toEqual([
      { topic: 'all/#', qos: 0 },
      { topic: 'dev/+/temp', qos: 0 },
    ]);
    expect(await stored(c.clientId)).toMatchObject({ subscriptions_cnt: 2 });
  });
});

describe('the Lambda handler, invoked by the IoT rule with the event itself', () => {
  it('writes the event, takes a redelivery as a duplicate, and drops an unreadable event without failing', async () => {
    for (const [name, value] of Object.entries({ ...t.env, AWS_IOT_NODE: NODE })) vi.stubEnv(name, value);
    vi.resetModules();
    try {
      const { handler } = await import('../../../../functions/ingest-aws-iot.js');
      const c = { clientId: nextClientId('rule'), version: 5, session: 's-rule' };
      await handler(connect(c, T0));
      await handler(connect(c, T0));
      expect(await stored(c.clientId)).toMatchObject({ node: NODE, conn_state: 'connected', conn_id: awsIotConnId(5, 's-rule') });
      await expect(handler({ ...connect(c, T0), versionNumber: 'five' })).resolves.toBeUndefined();
      await handler(disconnect(c, T0 + MINUTE, 'API_INITIATED_DISCONNECT'));
      expect(await stored(c.clientId)).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('any order of two successive connections', () => {
  it('ends with the newer version, in the state its own events give', async () => {
    const scenario = fc.record({
      // Timestamps are only ±2 minutes accurate: the newer connection may look older.
      skew: fc.array(fc.integer({ min: -2 * MINUTE, max: 2 * MINUTE }), { minLength: 4, maxLength: 4 }),
      versionGap: fc.integer({ min: 1, max: 5 }),
      // The newer connection comes after an hour offline: its version restarts at 0.
      reset: fc.boolean(),
      newerDisconnects: fc.boolean(),
      reason: fc.constantFrom('CLIENT_INITIATED_DISCONNECT', 'DUPLICATE_CLIENTID', 'CONNECTION_LOST', 'API_INITIATED_DISCONNECT'),
      persistent: fc.boolean(),
      order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      duplicates: fc.array(fc.nat({ max: 3 }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const options = s.persistent ? PERSISTENT : CLEAN;
        const clientId = nextClientId('order');
        const older = { clientId, version: 20, session: 'older' };
        const newer = { clientId, version: s.reset ? 0 : 20 + s.versionGap, session: 'newer' };
        const later = s.reset ? 75 * MINUTE : 0;
        const bodies = [
          connect(older, T0 + s.skew[0]!),
          disconnect(older, T0 + MINUTE + s.skew[1]!, s.reset ? 'CONNECTION_LOST' : 'DUPLICATE_CLIENTID'),
          connect(newer, T0 + later + MINUTE + s.skew[2]!),
          ...(s.newerDisconnects ? [disconnect(newer, T0 + later + 3 * MINUTE + s.skew[3]!, s.reason)] : []),
        ];
        // A permutation from sort keys, then some events again.
        const order = bodies.map((body, i) => ({ body, key: s.order[i]! })).sort((a, b) => a.key - b.key);
        const sequence = [...order.map((o) => o.body), ...s.duplicates.filter((i) => i < bodies.length).map((i) => bodies[i]!)];
        for (const body of sequence) await ingest(body, options);

        const record = await stored(clientId);
        expect(connIdOf(record)).toBe(awsIotConnId(newer.version, 'newer'));
        if (!s.newerDisconnects) {
          expect(record).toMatchObject({ conn_state: 'connected' });
        } else if (s.reason === 'API_INITIATED_DISCONNECT') {
          expect(record).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
        } else if (s.persistent) {
          expect(record).toMatchObject({ conn_state: 'disconnected' });
        } else {
          expect(record).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
        }
      }),
      propertyRuns(60),
    );
  });
});
