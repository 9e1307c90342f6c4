/**
 * The BrokerApi of an EMQX cluster, through its REST API.
 *
 * EMQX 4.4 (emqx_mgmt_api_clients.erl, emqx_mgmt_api_pubsub.erl): `GET` and
 * `DELETE /api/v4/clients/{id}/acl_cache`, `POST /api/v4/mqtt/subscribe`
 * `{clientid, topic, qos}` and `/mqtt/unsubscribe` `{clientid, topic}`; HTTP
 * 200 with `code` 0, or 112 for a client it does not hold.
 *
 * EMQX 5.8 (emqx_mgmt_api_clients.erl:238-335): `GET` (200, the entries) and
 * `DELETE` (204) `/api/v5/clients/{id}/authorization/cache`,
 * `POST /api/v5/clients/{id}/subscribe` `{topic, qos}` (200) and
 * `/unsubscribe` `{topic}` (204); 404 `CLIENTID_NOT_FOUND`.
 */
import { callEmqxApi, EmqxApiError, type EmqxApiAnswer } from '../sources/emqx/api.js';
import type { EmqxCredentialsSource } from '../sources/emqx/api-credentials.js';
import { isDotSegment, pathSegment } from '../sources/path-segment.js';
import type { AclCacheEntry, BrokerApi, QoS } from './broker-api.js';
import { ClientNotOnBrokerError, ControlChannelError } from './channel.js';

export type EmqxBrokerApiOptions = { dialect: 'v5' | 'v4'; baseUrl: string; credentials: EmqxCredentialsSource; timeoutMs: number };

/** EMQX 4's "Client not online" (`ERROR12` in `emqx_mgmt.hrl`). */
const V4_CLIENT_NOT_ONLINE = 112;

type Call = { method: 'GET' | 'DELETE' | 'POST'; path: string; body?: unknown };

export class EmqxBrokerApi implements BrokerApi {
  constructor(private readonly options: EmqxBrokerApiOptions) {}

  async listAclCache(clientid: string): Promise<AclCacheEntry[]> {
    const v5 = this.options.dialect === 'v5';
    const data = await this.ask(clientid, { method: 'GET', path: v5 ? `${this.client(clientid)}/authorization/cache` : `${this.client(clientid)}/acl_cache` });
    if (!Array.isArray(data)) throw new ControlChannelError(`EMQX ${this.options.dialect} API: the ACL cache answered without a list`);
    return data.filter(isObject).map((entry) => ({
      access: String(entry.access),
      topic: String(entry.topic),
      result: String(entry.result),
      updated_time: Number(entry.updated_time),
    }));
  }

  async cleanAclCache(clientid: string): Promise<void> {
    const suffix = this.options.dialect === 'v5' ? '/authorization/cache' : '/acl_cache';
    await this.ask(clientid, { method: 'DELETE', path: `${this.client(clientid)}${suffix}` });
  }

  async subscribe(clientid: string, topic: string, qos: QoS): Promise<void> {
    await this.ask(
      clientid,
      this.options.dialect === 'v5'
        ? { method: 'POST', path: `${this.client(clientid)}/subscribe`, body: { topic, qos } }
        : { method: 'POST', path: '/api/v4/mqtt/subscribe', body: { clientid, topic, qos } },
    );
  }

  async unsubscribe(clientid: string, topic: string): Promise<void> {
    await this.ask(
      clientid,
      this.options.dialect === 'v5'
        ? { method: 'POST', path: `${this.client(clientid)}/unsubscribe`, body: { topic } }
        : { method: 'POST', path: '/api/v4/mqtt/unsubscribe', body: { clientid, topic } },
    );
  }

  private client(clientid: string): string {
    return `/api/${this.options.dialect}/clients/${pathSegment(clientid)}`;
  }

  /** The answer's data (5.x: the body; 4.4: `data`), or the failure. */
  private async ask(clientid: string, call: Call): Promise<unknown> {
    // EMQX drops "." and ".." path segments: no path names such a client, so EMQX holds none we can reach.
    if (call.path.includes('/clients/') && isDotSegment(clientid)) throw new ClientNotOnBrokerError('no EMQX API path names this client id');
    let answer: EmqxApiAnswer;
    try {
      answer = await callEmqxApi(this.options, call.method, call.path, AbortSignal.timeout(this.options.timeoutMs), call.body);
    } catch (error) {
      if (error instanceof EmqxApiError) throw new ControlChannelError(`EMQX ${this.options.dialect} API: ${error.message}`);
      throw error;
    }
    const body = answer.body;
    if (this.options.dialect === 'v5') {
      if (answer.status === 200 || answer.status === 204) return body;
      if (answer.status === 404 && isObject(body) && body.code === 'CLIENTID_NOT_FOUND') throw new ClientNotOnBrokerError('EMQX holds no session of the client');
    } else if (answer.status === 200 && isObject(body)) {
      if (body.code === 0) return body.data;
      if (body.code === V4_CLIENT_NOT_ONLINE) throw new ClientNotOnBrokerError('EMQX holds no session of the client');
    }
    const code = isObject(body) && body.code !== undefined ? ` code ${String(body.code)}` : '';
    throw new ControlChannelError(`EMQX ${this.options.dialect} API: ${call.method} ${call.path} answered HTTP ${answer.status}${code}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
