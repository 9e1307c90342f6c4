/**
 * MQTT 5 clients on the local stack: mqtt.js v5, and mosquitto's clients and
 * paho where the machine has them (CI installs both). Each connects with a
 * session expiry, subscribes, publishes, is shown as EMQX shows it, and is kicked.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { IDisconnectPacket } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, closed, MqttClients, startE2eStack, type E2eStack } from './local-stack.js';

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);

beforeAll(async () => {
  stack = await startE2eStack();
  api = apiClient(stack);
});
afterEach(() => clients.closeAll());
afterAll(() => stack?.close());

/** MQTT 5's DISCONNECT reason "Administrative action", which a kick sends. */
const ADMINISTRATIVE_ACTION = 0x98;

async function shown(clientid: string) {
  await expect.poll(async () => (await api.client(clientid))?.connected, { timeout: 5000, interval: 50 }).toBe(true);
  return (await api.client(clientid))!;
}

describe('MQTT 5 with mqtt.js', () => {
  it('shows proto_ver 5 and the session expiry the client asked for', async () => {
    await clients.connect({ clientId: 'v5-shown', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } });
    expect(await shown('v5-shown')).toMatchObject({ proto_name: 'MQTT', proto_ver: 5, clean_start: false, expiry_interval: 300 });

    await clients.connect({ clientId: 'v5-clean', protocolVersion: 5 });
    expect(await shown('v5-clean')).toMatchObject({ proto_ver: 5, clean_start: true, expiry_interval: 0 });
  });

  it('subscribes and publishes, and keeps an offline session for its expiry, queueing for it', async () => {
    const options = { clientId: 'v5-persistent', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 600 } };
    const subscriber = await clients.connect(options);
    await subscriber.subscribeAsync('v5/#', { qos: 1 });
    const publisher = await clients.connect({ clientId: 'v5-publisher', protocolVersion: 5 });
    const received = new Promise<string>((resolve) => subscriber.once('message', (_topic, payload) => resolve(payload.toString())));
    await publisher.publishAsync('v5/live', 'now', { qos: 1 });
    expect(await received).toBe('now');
    await expect.poll(async () => (await api.client('v5-persistent'))?.subscriptions_cnt, { timeout: 5000 }).toBe(1);

    await subscriber.endAsync();
    await expect.poll(async () => (await api.client('v5-persistent'))?.connected, { timeout: 5000 }).toBe(false);
    await publisher.publishAsync('v5/offline', 'later', { qos: 1 });

    const again = await clients.connect(options);
    expect(again.connack.sessionPresent).toBe(true);
    const queued = await new Promise<string>((resolve) => again.once('message', (_topic, payload) => resolve(payload.toString())));
    expect(queued).toBe('later');
    expect(await shown('v5-persistent')).toMatchObject({ proto_ver: 5, subscriptions_cnt: 1, expiry_interval: 600 });
  });

  it('keeps a session that started clean but has an expiry, as EMQX does, and the broker resumes it', async () => {
    const first = await clients.connect({ clientId: 'v5-clean-expiry', protocolVersion: 5, clean: true, properties: { sessionExpiryInterval: 300 } });
    await first.subscribeAsync('v5ce/#', { qos: 1 });
    expect(await shown('v5-clean-expiry')).toMatchObject({ clean_start: true, expiry_interval: 300 });
    await first.endAsync();
    await expect.poll(async () => (await api.client('v5-clean-expiry'))?.connected, { timeout: 5000 }).toBe(false);
    expect(await api.client('v5-clean-expiry')).toMatchObject({ connected: false, disconnected_at: expect.any(String) });
    const again = await clients.connect({ clientId: 'v5-clean-expiry', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } });
    expect(again.connack.sessionPresent).toBe(true);
  });

  it('is kicked with DISCONNECT "administrative action", its will published, and comes back to a fresh session', async () => {
    const watcher = await clients.connect({ clientId: 'v5-will-watcher', protocolVersion: 5 });
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const will = new Promise<string>((resolve) => watcher.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
    const options = {
      clientId: 'v5-kicked',
      protocolVersion: 5 as const,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      will: { topic: 'wills/v5-kicked', payload: Buffer.from('gone'), qos: 1 as const, retain: false },
    };
    const client = await clients.connect(options);
    await client.subscribeAsync('kicked/#', { qos: 1 });
    await shown('v5-kicked');
    const disconnect = new Promise<IDisconnectPacket>((resolve) => client.once('disconnect', resolve));
    const connectionClosed = closed(client);

    const response = await api.kick('v5-kicked');

    expect(response.status).toBe(200);
    expect((await disconnect).reasonCode).toBe(ADMINISTRATIVE_ACTION);
    await connectionClosed;
    // A kick is not a ban: the will goes out as for any lost connection, and the client may come back.
    expect(await will).toBe('wills/v5-kicked gone');
    expect((await api.get('v5-kicked')).body.data).toEqual([]);
    const again = await clients.connect(options);
    expect(again.connack.sessionPresent).toBe(false);
    expect(await shown('v5-kicked')).toMatchObject({ subscriptions_cnt: 0 });
  });
});

const installed = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).error === undefined;
const PYTHON = '/usr/bin/python3';
const hasMosquitto = installed('mosquitto_sub', ['--help']) && installed('mosquitto_pub', ['--help']);
const hasPaho = spawnSync(PYTHON, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' }).status === 0;

/** Runs a command; `output` grows as it prints, `done` resolves with its exit code once it ends. */
function run(command: string, args: string[], timeoutMs = 20_000) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  const result = { output: '', done: new Promise<number | null>((resolve) => child.once('close', resolve)) };
  child.stdout.on('data', (chunk: Buffer) => (result.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (result.output += chunk.toString()));
  return result;
}

describe.runIf(hasMosquitto)('MQTT 5 with mosquitto_sub and mosquitto_pub (-V mqttv5)', () => {
  it('subscribes with a session expiry, receives, is shown as MQTT 5 and is kicked with reason 0x98', async () => {
    const { port } = stack.broker;
    const subscriber = run('mosquitto_sub', ['-V', 'mqttv5', '-h', '127.0.0.1', '-p', String(port), '-i', 'mosq-v5', '-c', '-x', '900', '-q', '1', '-t', 'mosq/#', '-v', '-d']);
    const client = await shown('mosq-v5');
    expect(client).toMatchObject({ proto_ver: 5, clean_start: false, expiry_interval: 900 });
    await expect.poll(async () => (await api.client('mosq-v5'))?.subscriptions_cnt, { timeout: 5000 }).toBe(1);

    const published = run('mosquitto_pub', ['-V', 'mqttv5', '-h', '127.0.0.1', '-p', String(port), '-i', 'mosq-v5-pub', '-q', '1', '-t', 'mosq/a', '-m', 'hello']);
    expect(await published.done).toBe(0);
    await expect.poll(() => subscriber.output, { timeout: 5000 }).toContain('mosq/a hello');
    expect((await api.kick('mosq-v5')).status).toBe(200);

    await subscriber.done;
    expect(subscriber.output).toContain(`Received DISCONNECT (${ADMINISTRATIVE_ACTION})`);
    expect((await api.get('mosq-v5')).body.data).toEqual([]);
  });
});

describe.runIf(hasPaho)('MQTT 5 with paho (Python, MQTTv5)', () => {
  it('connects with a session expiry, subscribes, publishes and is kicked with "Administrative action"', async () => {
    const script = `
import sys, time, paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
c = mqtt.Client(client_id='paho-v5', protocol=mqtt.MQTTv5)
c.on_connect = lambda c, u, f, rc, p=None: print('connack', rc, flush=True)
c.on_subscribe = lambda c, u, mid, rcs, p=None: print('suback', rcs[0], flush=True)
c.on_message = lambda c, u, m: print('message', m.topic, m.payload.decode(), flush=True)
c.on_disconnect = lambda c, u, rc, p=None: (print('disconnect', rc, flush=True), c.disconnect())
props = Properties(PacketTypes.CONNECT); props.SessionExpiryInterval = 1200
c.connect('127.0.0.1', int(sys.argv[1]), keepalive=30, clean_start=False, properties=props)
c.loop_start()
time.sleep(0.5); c.subscribe('paho/#', qos=1); time.sleep(0.5); c.publish('paho/x', 'hi', qos=1)
deadline = time.time() + 15
while c.is_connected() and time.time() < deadline: time.sleep(0.05)
c.loop_stop()
`;
    const paho = run(PYTHON, ['-c', script, String(stack.broker.port)]);
    expect(await shown('paho-v5')).toMatchObject({ proto_ver: 5, clean_start: false, expiry_interval: 1200 });
    await expect.poll(async () => (await api.client('paho-v5'))?.subscriptions_cnt, { timeout: 5000 }).toBe(1);
    await expect.poll(() => paho.output, { timeout: 5000 }).toContain('message paho/x hi');
    expect((await api.kick('paho-v5')).status).toBe(200);

    await paho.done;
    expect(paho.output).toContain('connack Success');
    expect(paho.output).toContain('suback Granted QoS 1');
    expect(paho.output).toContain('disconnect Administrative action');
  });
});
