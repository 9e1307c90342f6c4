/**
 * DELETE /clients/{clientid}: the handler with an unreachable broker, and
 * kickClient with stand-in control channels (the MQTT channel has its own tests).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kickClient, type KickContext } from '../../functions/clients/kick-client.js';
import { ClientNotAddressableError, ClientNotOnBrokerError, COMMAND_VERSION, ControlChannelError, type ControlChannel, type ControlCommand } from '../../functions/control/channel.js';
import { Failure } from '../../functions/failures.js';
import { toApiError } from '../../functions/http/errors.js';
import { connKey } from '../../functions/sessions/keys.js';
import { isLive, isVisible, type ConnectionInfo } from '../../functions/sessions/model.js';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { expectApiError, invoke, type HttpFunction } from '../support/api-calls.js';
import { kickFunction } from '../support/handlers.js';
import { kickEvent } from '../support/http.js';
import { connected, connection, disconnected } from '../support/sessions.js';
import { BUSY_MACHINE_HEADROOM_MS } from '../support/timing.js';

let t: TestTable;
/** The counters once the table's stream has been applied to them. */
const settledCounts = async () => {
  await t.settle();
  return t.store.countByState();
};
let kick: HttpFunction;

const PUBACK_TIMEOUT_MS = 1000;

beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
  kick = kickFunction({
    ...t.env,
    // A loopback port just opened and closed: nothing listens there, every connection attempt is refused.
    CONTROL_BROKER_URL: `mqtt://127.0.0.1:${await freePort()}`,
    CONTROL_PUBACK_TIMEOUT_MS: String(PUBACK_TIMEOUT_MS),
    KICK_CONFIRM_TIMEOUT_MS: '200',
  });
});
afterAll(() => t.drop());

let sequence = 0;
async function session(overrides: Partial<ConnectionInfo> = {}): Promise<ConnectionInfo> {
  const conn = connection({ clientid: `kick-${++sequence}`, node: 'emqx@node-1', connected_at: Date.now() - 60_000, ...overrides });
  await t.writer.apply(connected(conn));
  return conn;
}

const rawItem = async (clientid: string) =>
  (await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;

/** A channel that records what it is asked to send, then does what the test says. */
class StandInChannel implements ControlChannel {
  readonly sent: ControlCommand[] = [];
  constructor(private readonly act: (command: ControlCommand) => Promise<void> = async () => undefined) {}
  async send(command: ControlCommand): Promise<void> {
    this.sent.push(command);
    await this.act(command);
  }
}

/** The broker node's side of a kick: it ends the session and reports `terminated` through the writer. */
async function brokerEnds(command: ControlCommand): Promise<void> {
  const record = await t.store.get(command.clientid, { consistent: true });
  if (!isLive(record) || record.conn_key !== command.conn_key) return;
  await t.writer.apply({ type: 'terminated', conn: record, at: Date.now(), reason: 'kicked' });
}

const context = (channel: ControlChannel, confirmTimeoutMs = 2000): KickContext => ({
  store: t.store,
  channel,
  confirmTimeoutMs,
  now: Date.now,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('DELETE /clients/{clientid} handler', () => {
  it('answers 503 {code: 101} with Retry-After when the broker cannot be reached, and changes nothing', async () => {
    const conn = await session();
    const before = await rawItem(conn.clientid);
    const counters = await settledCounts();
    const started = Date.now();
    const response = await invoke(kick, kickEvent(conn.clientid));
    // Within the channel's own timeout (plus room for a busy machine), not the MQTT client's 30 s default.
    expect(Date.now() - started).toBeLessThan(PUBACK_TIMEOUT_MS + BUSY_MACHINE_HEADROOM_MS);
    expectApiError(response, 503, 101);
    expect(response.headers['retry-after']).toBe('1');
    expect(await rawItem(conn.clientid)).toEqual(before);
    expect(await settledCounts()).toEqual(counters);
  });

  it('answers 404 {code: 112, message: "Client not found"} for an unknown, ended or expired client', async () => {
    const ended = await session();
    await t.writer.apply(disconnected(ended));
    const expired = await session({ clean_start: false, expiry_interval: 1, connected_at: Date.now() - 60_000 });
    await t.writer.apply(disconnected(expired, Date.now() - 30_000));
    for (const clientid of ['nobody', ended.clientid, expired.clientid]) {
      const body = expectApiError(await invoke(kick, kickEvent(clientid)), 404, 112);
      expect(body).toEqual({ code: 112, message: 'Client not found' });
    }
  });

  it('answers 400 {code: 108} for a clientid no session can have', async () => {
    expectApiError(await invoke(kick, kickEvent('x'.repeat(2049))), 400, 108, 'clientid');
    expectApiError(await invoke(kick, kickEvent('')), 400, 108, 'clientid');
  });

  it('answers a malformed event with 500 {code: 102, message: "internal error"}', async () => {
    const body = expectApiError(await invoke(kick, { requestContext: 'nope' }), 500, 102);
    expect(body).toEqual({ code: 102, message: 'internal error' });
  });
});

describe('kickClient', () => {
  it('records the end itself for a broker that answers once it has acted, offline sessions included', async () => {
    const online = await session();
    const offline = await session({ clean_start: false, expiry_interval: 3600 });
    await t.writer.apply(disconnected(offline, Date.now() - 1000));
    for (const conn of [online, offline]) {
      const channel = new StandInChannel();
      // A confirm wait of 0: the answer must not depend on any event from the broker.
      expect(await kickClient({ ...context(channel, 0), writer: t.writer }, conn.clientid)).toEqual({ status: 200, body: { code: 0 } });
      expect(channel.sent).toHaveLength(1);
      expect(await t.store.get(conn.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    }
  });

  it('answers 404 {code: 112} and ends the table record when the broker holds no such client', async () => {
    const conn = await session();
    const channel = new StandInChannel(async () => {
      throw new ClientNotOnBrokerError('no such client');
    });
    const before = await settledCounts();
    const error = await rejection(kickClient({ ...context(channel), writer: t.writer }, conn.clientid));
    expect(error).toBeInstanceOf(Failure);
    expect(toApiError(error)).toMatchObject({ status: 404, code: 112 });
    expect(await t.store.get(conn.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'discarded' });
    expect((await settledCounts()).connected).toBe(before.connected - 1);
  });

  it('sends one kick command for the live connection to its node, and answers 200 {code: 0} once the node ended it', async () => {
    const conn = await session({ node: 'emqx@node-7' });
    const channel = new StandInChannel(brokerEnds);
    const before = await settledCounts();
    const calledAt = Date.now();
    expect(await kickClient(context(channel), conn.clientid)).toEqual({ status: 200, body: { code: 0 } });
    const answeredAt = Date.now();
    expect(channel.sent).toHaveLength(1);
    const [command] = channel.sent;
    expect(command).toEqual({
      version: COMMAND_VERSION,
      type: 'kick',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      clientid: conn.clientid,
      node: 'emqx@node-7',
      conn_key: connKey(conn),
      issued_at: expect.any(String),
    });
    // Issued during the call, to the millisecond.
    expect(Date.parse(command!.issued_at)).toBeGreaterThanOrEqual(calledAt);
    expect(Date.parse(command!.issued_at)).toBeLessThanOrEqual(answeredAt);
    const after = await t.store.get(conn.clientid, { consistent: true });
    expect(after).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    expect((await settledCounts()).connected).toBe(before.connected - 1);
  });

  it('gives each command its own id', async () => {
    const channel = new StandInChannel(brokerEnds);
    for (let i = 0; i < 3; i++) await kickClient(context(channel), (await session()).clientid);
    expect(new Set(channel.sent.map((c) => c.id)).size).toBe(3);
  });

  it('waits for a node that ends the session a little later', async () => {
    const conn = await session();
    let nodeActed = false;
    const channel = new StandInChannel(async (command) => {
      // The node records the end only after the channel has answered.
      setTimeout(() => {
        nodeActed = true;
        void brokerEnds(command);
      }, 150);
    });
    // A confirmation wait no busy machine exhausts: 200 is the answer only once the node's end is in the table.
    expect(await kickClient(context(channel, 20_000), conn.clientid)).toEqual({ status: 200, body: { code: 0 } });
    expect(nodeActed).toBe(true);
    expect(await t.store.get(conn.clientid, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });

  it('kicks an offline persistent session too', async () => {
    const conn = await session({ clean_start: false, expiry_interval: 3600 });
    await t.writer.apply(disconnected(conn, Date.now() - 1000));
    const channel = new StandInChannel(brokerEnds);
    expect(await kickClient(context(channel), conn.clientid)).toEqual({ status: 200, body: { code: 0 } });
    expect(isVisible(await t.store.get(conn.clientid, { consistent: true }), Date.now())).toBe(false);
  });

  it('answers 202 {code: 0, message: "kick pending"} after the confirm timeout when the node accepts but has not acted', async () => {
    const conn = await session();
    const channel = new StandInChannel();
    const started = Date.now();
    expect(await kickClient(context(channel, 150), conn.clientid)).toEqual({ status: 202, body: { code: 0, message: 'kick pending' } });
    const elapsed = Date.now() - started;
    // It waited the whole confirmation time, and then not much longer.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(150 + BUSY_MACHINE_HEADROOM_MS);
    expect(channel.sent).toHaveLength(1);
    expect(await t.store.get(conn.clientid, { consistent: true })).toMatchObject({ conn_state: 'connected' });
  });

  it('answers 202 when the command was delivered but the confirming read fails', async () => {
    const conn = await session();
    const channel = new StandInChannel();
    let reads = 0;
    // The first read (the lookup) works; the confirming reads fail as a throttled table would.
    const store = Object.create(t.store, {
      get: {
        value: async (...args: Parameters<typeof t.store.get>) => {
          if (reads++ === 0) return t.store.get(...args);
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        },
      },
    });
    expect(await kickClient({ ...context(channel), store }, conn.clientid)).toEqual({
      status: 202,
      body: { code: 0, message: 'kick pending' },
    });
    expect(channel.sent).toHaveLength(1);
    expect(reads).toBe(2);
  });

  it('answers 503 {code: 101} when the channel cannot deliver, and changes nothing', async () => {
    const conn = await session();
    const before = await rawItem(conn.clientid);
    const error = await rejection(
      kickClient(context(new StandInChannel(async () => Promise.reject(new ControlChannelError('no PUBACK')))), conn.clientid),
    );
    expect(error).toBeInstanceOf(Failure);
    expect(toApiError(error)).toMatchObject({ status: 503, code: 101, headers: { 'Retry-After': '1' } });
    expect(await rawItem(conn.clientid)).toEqual(before);
  });

  it('answers 400 {code: 108} naming clientid, not a 503 to retry, when the broker API cannot name the client', async () => {
    const conn = await session();
    const before = await rawItem(conn.clientid);
    const error = await rejection(
      kickClient(context(new StandInChannel(async () => Promise.reject(new ClientNotAddressableError('no request path names it')))), conn.clientid),
    );
    expect(error).toBeInstanceOf(Failure);
    expect(toApiError(error)).toMatchObject({ status: 400, code: 108, message: expect.stringMatching(/^invalid parameter clientid: /) });
    expect(await rawItem(conn.clientid)).toEqual(before);
  });

  it('lets any other channel failure through as it is (the handler makes it a 500)', async () => {
    const conn = await session();
    const failure = new TypeError('bug in a channel');
    expect(await rejection(kickClient(context(new StandInChannel(async () => Promise.reject(failure))), conn.clientid))).toBe(failure);
  });

  it('answers 404 {code: 112} for an unknown client without sending anything', async () => {
    const channel = new StandInChannel(brokerEnds);
    const error = await rejection(kickClient(context(channel), 'nobody-here'));
    expect(toApiError(error)).toMatchObject({ status: 404, code: 112, message: 'Client not found' });
    expect(channel.sent).toEqual([]);
  });
});
