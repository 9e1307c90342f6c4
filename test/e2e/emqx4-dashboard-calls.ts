/**
 * The EMQX 4.4 dashboard's calls on a client (ACL cache, subscribe and
 * unsubscribe on its behalf) through `/api/v4`, end to end: on the local
 * stack acting as an EMQX cluster they reach its REST API and the broker.
 */
import { expect, it } from 'vitest';
import type { apiClient, E2eStack, MqttClients } from './local-stack.js';

type V4Body = { code: number; message?: string; data?: unknown };

export function dashboardCallCases(mode: 'emqx5' | 'emqx4', context: () => { stack: E2eStack; api: ReturnType<typeof apiClient>; clients: MqttClients }): void {
  it(`emqx_mgmt_api_pubsub.erl:73-92 and emqx_mgmt_api_clients.erl:205-217 through the ${mode} API: subscribe, ACL cache, unsubscribe`, async () => {
    const { api, clients } = context();
    const clientid = `${mode}-dashboard`;
    const client = await clients.connect({ clientId: clientid, clean: true });
    await expect.poll(async () => (await api.client(clientid))?.connected, { timeout: 15_000, interval: 50 }).toBe(true);
    const received = new Promise<string>((resolve) => client.on('message', (topic) => resolve(topic)));

    const subscribed = await api.request<V4Body>('POST', '/api/v4/mqtt/subscribe', { json: { clientid, topic: 'dash/#', qos: 1 } });
    expect(subscribed).toMatchObject({ status: 200, body: { code: 0 } });
    await expect.poll(async () => (await api.client(clientid))?.subscriptions_cnt, { timeout: 15_000, interval: 50 }).toBe(1);
    const publisher = await clients.connect({ clientId: `${mode}-dashboard-pub` });
    await publisher.publishAsync('dash/one', 'hi', { qos: 1 });
    expect(await received).toBe('dash/one');

    expect((await api.request<V4Body>('GET', `/api/v4/clients/${clientid}/acl_cache`)).body).toEqual({ code: 0, data: [] });
    expect((await api.request<V4Body>('DELETE', `/api/v4/clients/${clientid}/acl_cache`)).body).toEqual({ code: 0 });

    const unsubscribed = await api.request<V4Body>('POST', '/api/v4/mqtt/unsubscribe', { json: { clientid, topic: 'dash/#' } });
    expect(unsubscribed).toMatchObject({ status: 200, body: { code: 0 } });
    await expect.poll(async () => (await api.client(clientid))?.subscriptions_cnt, { timeout: 15_000, interval: 50 }).toBe(0);
  });

  it(`through the ${mode} API: a client the broker does not hold is code 112; bad requests are 4.4's codes`, async () => {
    const { api } = context();
    expect((await api.request<V4Body>('GET', `/api/v4/clients/${mode}-nobody/acl_cache`)).body).toEqual({ code: 112, message: 'not_found' });
    expect((await api.request<V4Body>('DELETE', `/api/v4/clients/${mode}-nobody/acl_cache`)).body).toEqual({ code: 112, message: 'not_found' });
    const subscribe = (json: unknown) => api.request<V4Body>('POST', '/api/v4/mqtt/subscribe', { json });
    expect((await subscribe({ clientid: `${mode}-nobody`, topic: 't' })).body).toEqual({ code: 112, message: 'channel_not_found' });
    expect((await subscribe({ clientid: 7, topic: 't' })).body).toEqual({ code: 108, message: 'bad clientid: must be string' });
    expect((await subscribe({ clientid: 'c', topic: 'a/#/b' })).body).toEqual({ code: 115, message: 'bad_topic' });
    expect((await subscribe({ clientid: 'c', topic: 't', qos: 3 })).body).toEqual({ code: 116, message: 'bad_qos' });
  });
}
