import { createServer, type Server, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { commandTopic, ControlChannelError, type KickCommand } from '../../../functions/control/channel.js';
import { MqttControlChannel } from '../../../functions/control/mqtt-channel.js';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { testBroker, type TestBroker } from '../../support/mqtt-broker.js';
import { BUSY_MACHINE_HEADROOM_MS } from '../../support/timing.js';

const PREFIX = 'clients-api/control';
// The channel's own timeout; mqtt.js would otherwise wait 30 s for a CONNACK.
const TIMEOUT_MS = 400;

let counter = 0;
function kick(node = 'emqx@10.0.0.1'): KickCommand {
  return {
    version: 1,
    type: 'kick',
    id: `command-${++counter}`,
    clientid: 'device/1 #+',
    node,
    conn_key: '1764158400000#emqx@10.0.0.1#c1',
    issued_at: new Date().toISOString(),
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function channelTo(url: string): MqttControlChannel {
  const channel = new MqttControlChannel({ url, topicPrefix: PREFIX, timeoutMs: TIMEOUT_MS, credentials: async () => ({}) });
  cleanups.push(() => channel.close());
  return channel;
}

async function startBroker(options: Parameters<typeof testBroker>[0] = {}, port?: number): Promise<TestBroker> {
  const broker = await testBroker(options, port);
  cleanups.push(() => broker.stop());
  return broker;
}

type Received = { topic: string; qos: number; payload: string };

async function subscriber(url: string): Promise<{ client: MqttClient; received: Received[]; next(): Promise<Received> }> {
  const client = await mqtt.connectAsync(url, { clientId: `subscriber-${++counter}`, reconnectPeriod: 100 });
  cleanups.push(() => client.endAsync(true));
  await client.subscribeAsync(`${PREFIX}/+/kick`, { qos: 1 });
  client.on('connect', () => void client.subscribeAsync(`${PREFIX}/+/kick`, { qos: 1 }));
  const received: Received[] = [];
  const waiting: Array<(r: Received) => void> = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, qos: packet.qos, payload: payload.toString() };
    received.push(message);
    waiting.shift()?.(message);
  });
  return { client, received, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

async function expectChannelError(promise: Promise<unknown>): Promise<{ error: ControlChannelError; elapsed: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ControlChannelError);
  return { error: error as ControlChannelError, elapsed: Date.now() - started };
}

/** A TCP server that accepts connections and never answers: a broker that hangs. */
async function silentServer(): Promise<{ url: string }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { url: `mqtt://127.0.0.1:${address.port}` };
}

describe('MqttControlChannel', () => {
  it('delivers a command at QoS 1 on the node’s kick topic, as the command’s JSON', async () => {
    const broker = await startBroker();
    const sub = await subscriber(broker.url);
    const channel = channelTo(broker.url);
    const command = kick('emqx@10.0.0.1/a+b');
    const arrival = sub.next();

    await channel.send(command);
    const message = await arrival;

    expect(message.topic).toBe(commandTopic(PREFIX, 'emqx@10.0.0.1/a+b', 'kick'));
    expect(message.topic).toBe(`${PREFIX}/emqx%4010.0.0.1%2Fa%2Bb/kick`);
    expect(message.qos).toBe(1);
    expect(JSON.parse(message.payload)).toEqual(command);
  });

  it('keeps one broker connection across commands', async () => {
    const broker = await startBroker();
    const connections: string[] = [];
    broker.aedes.on('client', (client) => connections.push(client.id));
    const sub = await subscriber(broker.url);
    const channel = channelTo(broker.url);

    for (let i = 0; i < 3; i++) await channel.send(kick());
    await expect.poll(() => sub.received.length).toBe(3);

    expect(connections.filter((id) => id.startsWith('clients-api-'))).toHaveLength(1);
  });

  it('rejects with ControlChannelError when nothing listens at the broker address', async () => {
    const channel = channelTo(`mqtt://127.0.0.1:${await freePort()}`);

    const { elapsed } = await expectChannelError(channel.send(kick()));

    expect(elapsed).toBeLessThan(TIMEOUT_MS + BUSY_MACHINE_HEADROOM_MS);
  });

  it('rejects with ControlChannelError within the timeout when the broker never answers CONNECT', async () => {
    const { url } = await silentServer();
    const channel = channelTo(url);

    const { error, elapsed } = await expectChannelError(channel.send(kick()));

    expect(error.message).toMatch(/timed out|connect/i);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + BUSY_MACHINE_HEADROOM_MS);
  });

  it('rejects with ControlChannelError when the broker refuses the credentials', async () => {
    const broker = await startBroker({
      authenticate: (_client, _username, _password, done) =>
        done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as never, false),
    });
    const channel = channelTo(broker.url);

    const { elapsed } = await expectChannelError(channel.send(kick()));

    expect(elapsed).toBeLessThan(TIMEOUT_MS + BUSY_MACHINE_HEADROOM_MS);
  });

  it('rejects with ControlChannelError when the PUBACK does not come in time', async () => {
    // A broker that never finishes authorizing the publish never acknowledges it.
    const broker = await startBroker({ authorizePublish: () => undefined });
    const channel = channelTo(broker.url);

    const { error, elapsed } = await expectChannelError(channel.send(kick()));

    expect(error.message).toMatch(/PUBACK/);
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 2 + BUSY_MACHINE_HEADROOM_MS);
  });

  it('connects again on the next command after the broker restarted', async () => {
    const broker = await startBroker();
    const sub = await subscriber(broker.url);
    const channel = channelTo(broker.url);
    await channel.send(kick());
    await expect.poll(() => sub.received.length).toBe(1);

    await broker.stop();
    await expectChannelError(channel.send(kick()));
    await broker.start();
    await expect.poll(() => sub.client.connected, { timeout: 5000 }).toBe(true);
    // The subscriber resubscribes on reconnect; its SUBACK lands before the next command.
    await sub.client.subscribeAsync(`${PREFIX}/+/kick`, { qos: 1 });
    const command = kick();
    await channel.send(command);

    await expect.poll(() => sub.received.map((m) => JSON.parse(m.payload).id)).toContain(command.id);
  });
});
