/**
 * AWS IoT Core lifecycle events through the local stack's `POST /ingest/aws-iot`
 * (the same handler an IoT topic rule invokes in AWS), seen through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startE2eStack, type E2eStack } from './local-stack.js';

let stack: E2eStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startE2eStack();
  api = apiClient(stack);
});
afterAll(() => stack?.close());

const T0 = Date.now() - 60_000;
const base = { clientId: 'thing-7', sessionIdentifier: '00000000-0000-0000-0000-000000000001', principalIdentifier: 'cert-1' };
const lifecycle = {
  connected: { ...base, timestamp: T0, eventType: 'connected', ipAddress: '198.51.100.7', versionNumber: 3, topic: '$aws/events/presence/connected/thing-7' },
  subscribed: { ...base, timestamp: T0 + 10, eventType: 'subscribed', topics: ['cmd/thing-7', 'ota/#'], topic: '$aws/events/subscriptions/subscribed/thing-7' },
  disconnected: {
    ...base,
    timestamp: T0 + 5_000,
    eventType: 'disconnected',
    clientInitiatedDisconnect: true,
    disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
    versionNumber: 3,
    topic: '$aws/events/presence/disconnected/thing-7',
  },
};

async function post(body: unknown, token = stack.ingestToken) {
  const response = await fetch(`${stack.apiUrl}/ingest/aws-iot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('POST /ingest/aws-iot on the local stack', () => {
  it('refuses a wrong token with 401 and stores nothing', async () => {
    expect((await post(lifecycle.connected, 'not-the-token-0123456789')).status).toBe(401);
    expect((await api.get('thing-7')).body.data).toEqual([]);
  });

  it('shows a connect and its subscriptions, ends a clean session at its disconnect, and ignores a duplicate disconnect and a late connect', async () => {
    expect((await post(lifecycle.connected)).status).toBe(204);
    expect((await post(lifecycle.subscribed)).status).toBe(204);
    const shown = await api.client('thing-7');
    expect(shown).toMatchObject({
      clientid: 'thing-7',
      node: 'aws-iot@us-east-1',
      connected: true,
      ip_address: '198.51.100.7',
      zone: 'aws-iot',
      subscriptions_cnt: 2,
      clean_start: true,
    });
    expect((await post(lifecycle.disconnected)).status).toBe(204);
    expect((await post(lifecycle.disconnected)).status).toBe(204);
    expect((await post(lifecycle.connected)).status).toBe(204);
    expect((await api.get('thing-7')).body.data).toEqual([]);
    expect(await stack.store.get('thing-7', { consistent: true })).toMatchObject({ conn_state: null, ended_reason: 'disconnected' });
  });

  it('answers 400 naming the field of a malformed event', async () => {
    const response = await post({ ...lifecycle.connected, versionNumber: 'three' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ code: 108, message: expect.stringContaining('versionNumber') });
  });
});
