/** DELETE /clients/{clientid} end to end: the API's control channel, the broker's control topic, the table. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, closed, MqttClients, startE2eStack, type E2eStack } from './local-stack.js';

const CONFIRM_TIMEOUT_MS = 800;

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;
const clients = new MqttClients(() => stack.mqttUrl);

beforeAll(async () => {
  stack = await startE2eStack({ kickConfirmTimeoutMs: CONFIRM_TIMEOUT_MS, pubackTimeoutMs: 500 });
  api = apiClient(stack);
});
afterEach(async () => {
  await clients.closeAll();
  await stack.broker.startExecutingCommands();
  stack.broker.acceptControlConnections();
});
afterAll(() => stack?.close());

async function listed(clientid: string): Promise<void> {
  await expect.poll(async () => (await api.client(clientid))?.clientid, { timeout: 5000, interval: 50 }).toBe(clientid);
}

describe('DELETE /clients/{clientid}', () => {
  it('closes the client’s connection and removes its session, answering 200 {code: 0}', async () => {
    const client = await clients.connect({ clientId: 'kick/me now+#', clean: true });
    await listed('kick/me now+#');
    const connectionClosed = closed(client);

    const response = await api.kick('kick/me now+#');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0 });
    await connectionClosed;
    expect((await api.get('kick/me now+#')).body.data).toEqual([]);
    const record = await stack.store.get('kick/me now+#', { consistent: true });
    expect(record).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
  });

  it('discards a persistent session: the client comes back to a fresh one', async () => {
    const client = await clients.connect({ clientId: 'kick-persistent', clean: false });
    await client.subscribeAsync('queued/#', { qos: 1 });
    await listed('kick-persistent');
    const before = await api.client('kick-persistent');
    const connectionClosed = closed(client);

    expect((await api.kick('kick-persistent')).status).toBe(200);
    await connectionClosed;
    expect((await api.get('kick-persistent')).body.data).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = await clients.connect({ clientId: 'kick-persistent', clean: false });
    expect(again.connack.sessionPresent).toBe(false);
    await listed('kick-persistent');
    const after = await api.client('kick-persistent');
    expect(after?.subscriptions_cnt).toBe(0);
    expect(after?.created_at).not.toBe(before?.created_at);
  });

  it('ends an offline persistent session', async () => {
    const client = await clients.connect({ clientId: 'kick-offline', clean: false });
    await client.subscribeAsync('offline/#', { qos: 1 });
    await client.endAsync();
    await expect.poll(async () => (await api.client('kick-offline'))?.connected, { timeout: 5000 }).toBe(false);

    const response = await api.kick('kick-offline');

    expect(response.status).toBe(200);
    expect((await api.get('kick-offline')).body.data).toEqual([]);
    const again = await clients.connect({ clientId: 'kick-offline', clean: false });
    expect(again.connack.sessionPresent).toBe(false);
  });

  it('answers 404 with code 112 for a client it does not know', async () => {
    const response = await api.kick('never-connected');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ code: 112, message: expect.any(String) });
  });

  it('answers 202 when no node executes the command in time, and loses nothing', async () => {
    const client = await clients.connect({ clientId: 'kick-unheard' });
    await listed('kick-unheard');
    await stack.broker.stopExecutingCommands();

    const started = Date.now();
    const pending = await api.kick('kick-unheard');

    expect(pending.status).toBe(202);
    expect(pending.body).toEqual({ code: 0, message: 'kick pending' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIRM_TIMEOUT_MS);
    expect(client.connected).toBe(true);
    expect((await api.client('kick-unheard'))?.connected).toBe(true);

    await stack.broker.startExecutingCommands();
    const connectionClosed = closed(client);
    const done = await api.kick('kick-unheard');

    expect(done.status).toBe(200);
    await connectionClosed;
    expect((await api.get('kick-unheard')).body.data).toEqual([]);
  });

  it('answers 503 with code 101 when the broker refuses the control connection, and loses nothing', async () => {
    const client = await clients.connect({ clientId: 'kick-unreachable' });
    await listed('kick-unreachable');
    await stack.broker.refuseControlConnections();

    const refused = await api.kick('kick-unreachable');

    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ code: 101, message: 'the broker is unavailable, retry later' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(client.connected).toBe(true);
    expect((await api.client('kick-unreachable'))?.connected).toBe(true);

    stack.broker.acceptControlConnections();
    const connectionClosed = closed(client);
    const done = await api.kick('kick-unreachable');

    expect(done.status).toBe(200);
    await connectionClosed;
    expect((await api.get('kick-unreachable')).body.data).toEqual([]);
  });

  it('kicks under /api/v4 too', async () => {
    const client = await clients.connect({ clientId: 'kick-v4' });
    await listed('kick-v4');
    const connectionClosed = closed(client);

    const response = await api.request<{ code: number }>('DELETE', '/api/v4/clients/kick-v4');

    expect(response.status).toBe(200);
    await connectionClosed;
  });
});
