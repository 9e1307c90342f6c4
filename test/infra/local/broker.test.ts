/** The local broker node against a real sessions table: what it records, and how it executes commands. */
import { randomUUID } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commandTopic, type KickCommand } from '../../../functions/control/channel.js';
import { connKey } from '../../../functions/sessions/keys.js';
import { isLive, type LiveSession, type SessionEvent } from '../../../functions/sessions/model.js';
import { SessionWriter } from '../../../functions/sessions/writer.js';
import { startBroker, type BrokerOptions, type LocalBroker } from '../../../infra/local/broker/broker.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connected, connection, disconnected } from '../../support/sessions.js';

const NODE = 'node-a@127.0.0.1';
const CONTROL = { username: 'control', password: 'control-secret', topicPrefix: 'clients-api/control' };

/** A writer that remembers the statistics batches it was given. */
class RecordingWriter extends SessionWriter {
  readonly batches: SessionEvent[][] = [];
  override async applyAll(events: readonly SessionEvent[], concurrency?: number): Promise<void> {
    this.batches.push([...events]);
    return super.applyAll(events, concurrency);
  }
}

let t: TestTable;
let writer: RecordingWriter;
const brokers: LocalBroker[] = [];
const clients: MqttClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await createTestTable();
  writer = new RecordingWriter(t.db, t.table);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
  writer.batches.length = 0;
});
afterAll(() => t.drop());

function recordingLog() {
  const errors: string[] = [];
  return { errors, log: { info: () => undefined, error: (m: string, e?: unknown) => errors.push(`${m}: ${String(e)}`) } };
}

async function broker(options: Partial<BrokerOptions> = {}): Promise<LocalBroker> {
  // Statistics and sweeps run when a test asks, not on a timer.
  const started = await startBroker({ node: NODE, writer, control: CONTROL, statsIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000, ...options });
  brokers.push(started);
  return started;
}

async function connect(b: LocalBroker, options: IClientOptions): Promise<MqttClient & { sessionPresent: boolean }> {
  const client = mqtt.connect(b.url, { reconnectPeriod: 0, ...options });
  clients.push(client);
  const sessionPresent = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  return Object.assign(client, { sessionPresent });
}

const controlClient = (b: LocalBroker) => connect(b, { clientId: `control-${randomUUID()}`, username: CONTROL.username, password: CONTROL.password });

async function live(clientid: string): Promise<LiveSession> {
  const record = await t.store.get(clientid, { consistent: true });
  if (!isLive(record)) throw new Error(`${clientid} is not live: ${JSON.stringify(record)}`);
  return record;
}

/** Polls the table until the record of `clientid` matches. */
async function eventually(clientid: string, expected: Record<string, unknown>): Promise<void> {
  await expect.poll(() => t.store.get(clientid, { consistent: true }), { timeout: 5000, interval: 25 }).toMatchObject(expected);
}

function kickOf(session: LiveSession, overrides: Partial<KickCommand> = {}): KickCommand {
  return {
    version: 1,
    type: 'kick',
    id: randomUUID(),
    clientid: session.clientid,
    node: session.node,
    conn_key: session.conn_key,
    issued_at: new Date().toISOString(),
    ...overrides,
  };
}

async function send(b: LocalBroker, control: MqttClient, command: KickCommand | string, node = NODE): Promise<void> {
  const payload = typeof command === 'string' ? command : JSON.stringify(command);
  await control.publishAsync(commandTopic(CONTROL.topicPrefix, node, 'kick'), payload, { qos: 1 });
  await b.idle();
}

/** A raw MQTT 3.1.1 bridge CONNECT; resolves once the CONNACK (accepted) arrives. */
async function rawConnect(b: LocalBroker, clientid: string, username: string, keepalive: number): Promise<Socket> {
  const text = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
  };
  const variable = Buffer.concat([text('MQTT'), Buffer.from([0x84, 0x80, keepalive >> 8, keepalive & 0xff])]);
  const body = Buffer.concat([variable, text(clientid), text(username)]);
  const socket = createConnection(b.port, '127.0.0.1');
  socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
  const connack = await new Promise<Buffer>((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
  });
  expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x00]);
  return socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the local broker node', () => {
  it('on start, ends what the table still shows of its node from before, and nothing of other nodes', async () => {
    const past = Date.now() - 60_000;
    const ghost = connection({ clientid: `ghost-${randomUUID()}`, node: NODE, connected_at: past });
    const offline = connection({ clientid: `offline-${randomUUID()}`, node: NODE, connected_at: past, clean_start: false, expiry_interval: 7200 });
    const elsewhere = connection({ clientid: `elsewhere-${randomUUID()}`, node: 'node-b@127.0.0.1', connected_at: past });
    await t.writer.applyAll([connected(ghost), connected(offline), disconnected(offline), connected(elsewhere)]);

    await broker();

    expect(await t.store.get(ghost.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'discarded' });
    expect(await t.store.get(offline.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'discarded' });
    expect(await live(elsewhere.clientid)).toMatchObject({ conn_state: 'connected' });
  });

  it('records a connection with its CONNECT details, the bridge bit included', async () => {
    const b = await broker({ zone: { name: 'internal', sessionExpiryInterval: 60 } });
    const clientid = `bridge-${randomUUID()}`.slice(0, 23);

    // mqtt.js cannot set the bridge bit: a CONNECT by hand, protocol level 0x80 | 4, clean session 0, username.
    const socket = await rawConnect(b, clientid, 'br', 15);
    sockets.push(socket);
    await b.idle();

    expect(await live(clientid)).toMatchObject({
      node: NODE,
      username: 'br',
      zone: 'internal',
      proto_name: 'MQTT',
      proto_ver: 4,
      keepalive: 15,
      clean_start: false,
      expiry_interval: 60,
      is_bridge: true,
      ip_address: '127.0.0.1',
      conn_state: 'connected',
    });
  });

  it('keeps created_at across reconnects of a persistent session, and starts anew with a clean one', async () => {
    const b = await broker();
    const clientid = `resume-${randomUUID()}`;
    const first = await connect(b, { clientId: clientid, clean: false });
    await b.idle();
    const created = (await live(clientid)).created_at;
    await first.endAsync();
    await eventually(clientid, { conn_state: 'disconnected' });

    const second = await connect(b, { clientId: clientid, clean: false });
    await b.idle();
    const resumed = await live(clientid);
    await second.endAsync();
    await eventually(clientid, { conn_state: 'disconnected' });
    await connect(b, { clientId: clientid, clean: true });
    await b.idle();
    const fresh = await live(clientid);

    expect(second.sessionPresent).toBe(false); // no subscriptions, so aedes has no session to present
    expect(resumed.created_at).toBe(created);
    expect(resumed.connected_at).toBeGreaterThan(created);
    expect(fresh.created_at).toBeGreaterThan(created);
    expect(fresh.created_at).toBe(fresh.connected_at);
  });

  it('writes statistics in one batch per round, and only for sessions whose figures changed', async () => {
    const b = await broker();
    const quiet = await connect(b, { clientId: `quiet-${randomUUID()}` });
    const busy = await connect(b, { clientId: `busy-${randomUUID()}` });
    await b.idle();

    expect(await b.reportStatistics()).toBe(2);
    expect(await b.reportStatistics()).toBe(0);
    await busy.publishAsync('some/topic', 'x', { qos: 1 });
    const written = await b.reportStatistics();

    expect(written).toBe(1);
    expect(writer.batches.map((batch) => batch.length)).toEqual([2, 1]);
    const last = writer.batches[1]?.[0];
    expect(last?.conn.clientid).toBe(busy.options.clientId);
    expect(last?.type === 'statistics' && last.statistics.recv_msg).toBe(1);
    expect((await live(busy.options.clientId!)).recv_msg).toBe(1);
    expect((await live(quiet.options.clientId!)).recv_msg).toBe(0);
  });

  it('counts messages queued for an offline persistent session', async () => {
    const b = await broker();
    const clientid = `queue-${randomUUID()}`;
    const subscriber = await connect(b, { clientId: clientid, clean: false });
    await subscriber.subscribeAsync('queue/#', { qos: 1 });
    await subscriber.endAsync();
    await eventually(clientid, { conn_state: 'disconnected' });
    const publisher = await connect(b, { clientId: `publisher-${randomUUID()}` });
    for (let i = 0; i < 3; i++) await publisher.publishAsync('queue/x', `m${i}`, { qos: 1 });

    await b.reportStatistics();

    expect(await live(clientid)).toMatchObject({ conn_state: 'disconnected', mqueue_len: 3, inflight: 0, subscriptions_cnt: 1 });
  });

  it('executes a kick once: closes the connection, discards the session, records the kick', async () => {
    const b = await broker();
    const clientid = `kicked-${randomUUID()}`;
    const client = await connect(b, { clientId: clientid, clean: false });
    await client.subscribeAsync('kept/#', { qos: 1 });
    await b.idle();
    const session = await live(clientid);
    const control = await controlClient(b);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

    const command = kickOf(session);
    await send(b, control, command);
    await closed;

    expect(await t.store.get(clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked', conn_key: session.conn_key });
    const again = await connect(b, { clientId: clientid, clean: false });
    expect(again.sessionPresent).toBe(false);
    await b.idle();
    const next = await live(clientid);

    // The same command again, even aimed at the new connection, does nothing.
    await send(b, control, { ...command, conn_key: next.conn_key });
    expect(again.connected).toBe(true);
    expect((await live(clientid)).conn_key).toBe(next.conn_key);
  });

  it('ignores commands for other nodes, malformed commands and kicks of an older connection', async () => {
    const { log, errors } = recordingLog();
    const b = await broker({ log });
    const clientid = `stays-${randomUUID()}`;
    const client = await connect(b, { clientId: clientid });
    await b.idle();
    const session = await live(clientid);
    const control = await controlClient(b);

    await send(b, control, kickOf(session, { node: 'node-b@127.0.0.1' }));
    await send(b, control, kickOf(session, { node: 'node-b@127.0.0.1' }), 'node-b@127.0.0.1');
    await send(b, control, '{"version":1,"type":"kick"}');
    await send(b, control, 'not json');
    await send(b, control, kickOf(session, { conn_key: connKey({ connected_at: session.connected_at - 1, node: NODE, conn_id: 'x' }) }));

    expect(client.connected).toBe(true);
    expect((await live(clientid)).conn_key).toBe(session.conn_key);
    expect(errors.filter((e) => e.includes('malformed command'))).toHaveLength(2);
  });

  it('ends a connection it does not hold when the table still shows it on this node', async () => {
    const b = await broker();
    const control = await controlClient(b);
    const stray = connection({ clientid: `stray-${randomUUID()}`, node: NODE, connected_at: Date.now() });
    await t.writer.apply(connected(stray));

    await send(b, control, kickOf(await live(stray.clientid)));

    expect(await t.store.get(stray.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });

  it('keeps the control topics to control clients', async () => {
    const b = await broker();
    const target = await connect(b, { clientId: `target-${randomUUID()}` });
    const snoop = await connect(b, { clientId: `snoop-${randomUUID()}` });
    await b.idle();
    const session = await live(target.options.clientId!);
    const received: string[] = [];
    snoop.on('message', (topic) => received.push(topic));

    await expect(snoop.subscribeAsync(`${CONTROL.topicPrefix}/+/kick`, { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    const granted = await snoop.subscribeAsync('#', { qos: 1 });
    const control = await controlClient(b);
    await control.publishAsync(commandTopic(CONTROL.topicPrefix, 'node-z', 'kick'), JSON.stringify(kickOf(session, { node: 'node-z' })), { qos: 1 });
    await control.publishAsync('after/command', 'x', { qos: 1 });
    await expect.poll(() => received).toContain('after/command');
    const forgerClosed = new Promise<void>((resolve) => snoop.once('close', () => resolve()));
    snoop.publish(commandTopic(CONTROL.topicPrefix, NODE, 'kick'), JSON.stringify(kickOf(session)), { qos: 1 });
    await forgerClosed;
    await b.idle();

    expect(granted.map((g) => g.qos)).toEqual([1]);
    expect(received).toEqual(['after/command']);
    expect(target.connected).toBe(true);
    expect(isLive(await t.store.get(target.options.clientId!, { consistent: true }))).toBe(true);
  });

  it('keeps $SYS topics, which name every client id, to control clients', async () => {
    const b = await broker();
    const snoop = await connect(b, { clientId: `snoop-${randomUUID()}` });
    const received: string[] = [];
    snoop.on('message', (topic) => received.push(topic));
    for (const filter of ['$SYS/#', '$SYS/+/new/clients', '$share/g/$SYS/#']) {
      await expect(snoop.subscribeAsync(filter, { qos: 0 }), filter).rejects.toMatchObject({ packet: { granted: [128] } });
    }
    expect((await snoop.subscribeAsync(['#', '+/+/new/clients', 'after'], { qos: 0 })).map((g) => g.qos)).toEqual([0, 0, 0]);

    const control = await controlClient(b);
    // A control client may watch $SYS: it learns its own id announced there, which anyone else would too.
    const announced: string[] = [];
    control.on('message', (topic, payload) => announced.push(`${topic} ${payload.toString()}`));
    await control.subscribeAsync('$SYS/+/new/clients', { qos: 0 });
    await connect(b, { clientId: 'announced-client' });
    await expect.poll(() => announced.some((line) => line.endsWith(' announced-client'))).toBe(true);
    await control.publishAsync('after', 'x', { qos: 1 });
    await expect.poll(() => received).toContain('after');
    expect(received.filter((topic) => topic.startsWith('$SYS'))).toEqual([]);
  });

  it('refuses the client id of a control connection to anyone but the control user, and keeps the control connection', async () => {
    const b = await broker();
    const control = await controlClient(b);
    const controlId = control.options.clientId!;
    const dropped = new Promise<string>((resolve) => control.once('close', () => resolve('dropped')));

    await expect(connect(b, { clientId: controlId })).rejects.toThrow(/Not authorized/i);
    await expect(connect(b, { clientId: controlId, username: 'someone', password: 'x' })).rejects.toThrow(/Not authorized/i);
    await expect(Promise.race([dropped, sleep(300).then(() => 'kept')])).resolves.toBe('kept');
    expect(control.connected).toBe(true);

    // Once closed, the id stays refused to others; the control user may reconnect with it.
    await control.endAsync();
    await expect(connect(b, { clientId: controlId })).rejects.toThrow(/Not authorized/i);
    const again = await connect(b, { clientId: controlId, username: CONTROL.username, password: CONTROL.password });
    expect(again.connected).toBe(true);
  });

  it('refuses wrong control credentials', async () => {
    const b = await broker();

    await expect(connect(b, { clientId: 'fake-control', username: CONTROL.username, password: 'guess' })).rejects.toThrow(/Bad username or password/i);
  });

  it('ends expired offline sessions in its memory and in the table', async () => {
    const b = await broker({ zone: { sessionExpiryInterval: 1 } });
    const clientid = `expiring-${randomUUID()}`;
    const client = await connect(b, { clientId: clientid, clean: false });
    await client.subscribeAsync('soon/#', { qos: 1 });
    await client.endAsync();
    await eventually(clientid, { conn_state: 'disconnected', expiry_interval: 1 });

    expect(await b.sweep(Date.now())).toBe(0);
    await sleep(1100);
    expect(await b.sweep(Date.now())).toBe(1);

    expect(await t.store.get(clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'expired' });
    const again = await connect(b, { clientId: clientid, clean: false });
    expect(again.sessionPresent).toBe(false);
  });

  it('keeps serving MQTT when the table cannot be written, retrying its writes and logging the outage once', async () => {
    const { log, errors } = recordingLog();
    const b = await broker({ writer: new SessionWriter(t.db, { tableName: `missing-${randomUUID()}`, shards: 4 }), log });
    const client = await connect(b, { clientId: `unrecorded-${randomUUID()}` });
    await client.subscribeAsync('echo', { qos: 1 });
    const echoed = new Promise((resolve) => client.once('message', resolve));

    await client.publishAsync('echo', 'hello', { qos: 1 });
    await echoed;
    expect(await b.reportStatistics()).toBe(0);
    await client.endAsync();
    // The client's writes wait behind the first one, retried until the table takes it: one line for the outage.
    await expect.poll(() => errors.filter((e) => e.includes('session write failed, retrying')).length, { timeout: 5000 }).toBe(1);
    expect(errors.some((e) => e.includes('session write failed') && e.includes('ResourceNotFoundException'))).toBe(true);
    expect(errors.some((e) => e.includes('statistics'))).toBe(true);
    // Still serving: another client connects and is answered.
    const other = await connect(b, { clientId: `unrecorded-${randomUUID()}` });
    expect(other.connected).toBe(true);
  });

  it('stops cleanly: closes its clients and records their disconnects', async () => {
    const b = await broker();
    const clientid = `stopping-${randomUUID()}`;
    const client = await connect(b, { clientId: clientid });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await b.idle();

    await b.stop();
    await closed;

    expect(await t.store.get(clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
  });
});
