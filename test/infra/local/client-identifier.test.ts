/** The local broker refuses a CONNECT whose client identifier MQTT forbids, and logs every refused connection with its reason. */
import { createConnection } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type LocalBroker } from '../../../infra/local/broker/broker.js';
import { clientIdentifierProblem } from '../../../infra/local/broker/client-identifier.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';

const CONTROL = { username: 'control', password: 'control-secret', topicPrefix: 'clients-api/control' };

let t: TestTable;
let broker: LocalBroker;
const logged: string[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  t = await createTestTable();
  broker = await startBroker({
    node: 'ids@127.0.0.1',
    writer: t.writer,
    control: CONTROL,
    log: { info: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});
afterAll(async () => {
  await broker.stop();
  await t.drop();
});

/** Connects once; resolves with the CONNACK's return code (0 when accepted). */
function connackCode(clientId: string, protocolVersion: 4 | 5 = 4): Promise<number> {
  const client = mqtt.connect(broker.url, { clientId, protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000 });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(0));
    client.once('error', (error) => {
      const code = (error as { code?: number }).code;
      if (typeof code === 'number') resolve(code);
      else reject(error);
    });
  });
}

describe('client identifiers', () => {
  it('knows U+0000 as the one forbidden character', () => {
    expect(clientIdentifierProblem('sensor\u00001')).toMatch(/U\+0000/);
    expect(clientIdentifierProblem('factory/line 1/sensor+7 ✓')).toBeUndefined();
  });

  it('refuses a client id holding U+0000 with "identifier rejected", opens no session and logs why', async () => {
    expect(await connackCode('bad\u0000id')).toBe(2);
    await broker.idle();
    expect(await t.store.get('bad\u0000id', { consistent: true })).toBeUndefined();
    expect(await t.store.get('bad', { consistent: true })).toBeUndefined();
    expect(logged.some((line) => line.includes('"bad\\u0000id"') && line.includes('U+0000'))).toBe(true);
  });

  it('refuses it from an MQTT 5 client with 0x85 "Client Identifier not valid"', async () => {
    expect(await connackCode('bad\u0000v5', 5)).toBe(0x85);
  });

  it('still accepts the same id without the U+0000', async () => {
    expect(await connackCode('badid')).toBe(0);
  });
});

describe('refused connections', () => {
  it('are logged with the reason, also before the client had an id', async () => {
    // CONNECT, protocol "MQTT" level 7 (no such MQTT version), clean, keepalive 60, client id "x".
    const connect = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 7, 0x02, 0, 60, 0, 1, 0x78]);
    const socket = createConnection({ host: '127.0.0.1', port: broker.port });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    socket.end(connect);
    await closed;
    await expect.poll(() => logged.find((line) => line.startsWith('refused a connection from 127.0.0.1:')), { timeout: 5000 }).toMatch(/protocol/i);
  });
});
