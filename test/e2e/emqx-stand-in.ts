/**
 * The local stack acting as an EMQX cluster, end to end with real MQTT
 * clients: the node's events reach the table only through `POST /ingest/emqx`
 * shaped as the dialect's webhooks, kicks go through its EMQX-style REST API,
 * and the reconciliation reads its client list. Shared by one test file per
 * dialect.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toItem } from '../../functions/sessions/item.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { connection } from '../support/sessions.js';
import { localDocumentClient } from '../support/dynamodb.js';
import { dashboardCallCases } from './emqx4-dashboard-calls.js';
import { apiClient, closed, MqttClients, SHARDS, startE2eStack, type E2eStack } from './local-stack.js';

export function standInSuite(mode: 'emqx5' | 'emqx4'): void {
  let stack: E2eStack;
  let api: ReturnType<typeof apiClient>;
  const clients = new MqttClients(() => stack.mqttUrl);

  beforeAll(async () => {
    // Reconciliation runs when a test asks.
    stack = await startE2eStack({ brokerMode: mode, reconcileIntervalMs: 3_600_000 });
    api = apiClient(stack);
  });
  afterEach(() => clients.closeAll());
  afterAll(() => stack?.close());

  const shown = (clientid: string) => expect.poll(async () => api.client(clientid), { timeout: 15_000, interval: 50 });

  describe(`the local node as ${mode}`, () => {
    dashboardCallCases(mode, () => ({ stack, api, clients }));

    it('serves an EMQX-style REST API and posts nothing but webhooks to the table', () => {
      expect(stack.brokerMode).toBe(mode);
      expect(stack.emqxApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it('shows connects, subscriptions and disconnects that came as webhooks', async () => {
      const client = await clients.connect({ clientId: `${mode}-webhooks`, username: 'tenant-a', clean: true });
      await client.subscribeAsync({ 'a/#': { qos: 1 }, b: { qos: 0 } });
      await shown(`${mode}-webhooks`).toMatchObject({ connected: true, username: 'tenant-a', node: stack.node, subscriptions_cnt: 2 });
      await client.unsubscribeAsync('b');
      await shown(`${mode}-webhooks`).toMatchObject({ subscriptions_cnt: 1 });
      await client.endAsync();
      await expect.poll(async () => (await api.get(`${mode}-webhooks`)).body.data, { timeout: 15_000 }).toEqual([]);
    });

    it('kicks through the EMQX API: 200, the client is closed, the session gone', async () => {
      const client = await clients.connect({ clientId: `${mode}-kicked`, clean: true });
      await shown(`${mode}-kicked`).toMatchObject({ connected: true });
      const connectionClosed = closed(client);
      const response = await api.kick(`${mode}-kicked`);
      expect(response.status).toBe(200);
      await connectionClosed;
      expect((await api.get(`${mode}-kicked`)).body.data).toEqual([]);
      expect(await stack.store.get(`${mode}-kicked`, { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'kicked' });
    });

    it('answers 404 {code: 112} for a client the table shows and the broker does not hold, and ends it', async () => {
      const db = localDocumentClient(stack.dynamodbEndpoint);
      const ghost = applyEvent(undefined, { type: 'connected', conn: connection({ clientid: `${mode}-ghost-kick`, node: stack.node, conn_id: '', connected_at: Date.now() - 60_000 }) })!;
      await db.send(new PutCommand({ TableName: stack.tableName, Item: toItem(ghost, SHARDS, 1) }));
      const response = await api.kick(`${mode}-ghost-kick`);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 112 });
      expect((await api.get(`${mode}-ghost-kick`)).body.data).toEqual([]);
      db.destroy();
    });

    it('reconciles from the client list: ends a planted ghost, restores a lost connect, refreshes counters', async () => {
      const db = localDocumentClient(stack.dynamodbEndpoint);
      const ghost = applyEvent(undefined, { type: 'connected', conn: connection({ clientid: `${mode}-ghost`, node: stack.node, conn_id: '', connected_at: Date.now() - 60_000 }) })!;
      await db.send(new PutCommand({ TableName: stack.tableName, Item: toItem(ghost, SHARDS, 1) }));
      const lost = await clients.connect({ clientId: `${mode}-lost`, clean: false });
      await shown(`${mode}-lost`).toMatchObject({ connected: true });
      // As a webhook EMQX 4.4 gave up on would leave it.
      await db.send(new DeleteCommand({ TableName: stack.tableName, Key: { clientid: `${mode}-lost` } }));
      await lost.publishAsync('counted', 'x'.repeat(100), { qos: 1 });

      const report = await stack.broker.reconcile();
      expect(report).toMatchObject({ ended: 1, added: 1, failed: 0, truncated: false });
      expect((await api.get(`${mode}-ghost`)).body.data).toEqual([]);
      const restored = await api.client(`${mode}-lost`);
      expect(restored).toMatchObject({ connected: true, clean_start: false, expiry_interval: 7200, node: stack.node });
      expect(restored!.recv_oct).toBeGreaterThan(100);
      db.destroy();
    });

    it("shows one client's live counters from the broker's API, with no reconciliation in between", async () => {
      const clientid = `${mode}-live`;
      const client = await clients.connect({ clientId: clientid, clean: true });
      await shown(clientid).toMatchObject({ connected: true });
      const before = (await api.client(clientid))!;
      await client.publishAsync('counted', 'x'.repeat(500), { qos: 1 });
      const after = (await api.client(clientid))!;
      expect(after.recv_oct).toBeGreaterThanOrEqual(before.recv_oct + 500);
      expect(after.recv_msg).toBeGreaterThan(before.recv_msg);
      // The table still holds what the connect wrote: the live figures came from the broker.
      const stored = await stack.store.get(clientid, { consistent: true });
      expect(stored).toMatchObject({ conn_state: 'connected', recv_oct: 0 });
    });

    it('keeps a persistent session offline, and resumes it with its creation time', async () => {
      const first = await clients.connect({ clientId: `${mode}-persistent`, clean: false });
      await shown(`${mode}-persistent`).toMatchObject({ connected: true });
      const createdAt = (await api.client(`${mode}-persistent`))!.created_at;
      await first.endAsync();
      if (mode === 'emqx4') {
        // EMQX 4.4's webhooks do not tell a persistent session: its disconnect ends it until the list says otherwise.
        await expect.poll(async () => (await api.get(`${mode}-persistent`)).body.data, { timeout: 15_000 }).toEqual([]);
        await stack.broker.reconcile();
      }
      await shown(`${mode}-persistent`).toMatchObject({ connected: false, clean_start: false });
      await clients.connect({ clientId: `${mode}-persistent`, clean: false });
      await shown(`${mode}-persistent`).toMatchObject({ connected: true, created_at: createdAt });
    });
  });
}
