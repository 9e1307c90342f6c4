/**
 * EMQX 4.4's calls on a client through the broker (the dashboard's Clients
 * page): its ACL cache, listed and cleaned (emqx_mgmt_api_clients.erl:205-217,
 * 353-357), and topics subscribed or unsubscribed on its behalf
 * (emqx_mgmt_api_pubsub.erl:73-92, 184-200, 223-240). Answered as 4.4
 * answers them: HTTP 200 with `code` 0, or 112 for a client the broker does
 * not hold. Where the broker has no management API (`KICK_VIA` aws-iot or
 * mqtt) the call is refused with 501.
 */
import { parseClientId } from '../clients/client-id.js';
import type { BrokerApi, QoS } from '../control/broker-api.js';
import { ClientNotOnBrokerError, ControlChannelError } from '../control/channel.js';
import { Failure } from '../failures.js';
import type { HttpEvent } from '../http/handler.js';
import { jsonResponse, type HttpResponse } from '../http/response.js';
import { requestBody } from './dialect-handler.js';
import type { Action } from './routes.js';

export type BrokerCallAction = Extract<Action, 'listAclCache' | 'cleanAclCache' | 'subscribe' | 'unsubscribe'>;
const BROKER_CALLS: ReadonlySet<Action> = new Set<BrokerCallAction>(['listAclCache', 'cleanAclCache', 'subscribe', 'unsubscribe']);
export const isBrokerCall = (action: Action): action is BrokerCallAction => BROKER_CALLS.has(action);

/** emqx_mgmt.hrl: ERROR8 bad parameter, ERROR12 client not online, ERROR15 bad topic, ERROR16 bad QoS. */
const BAD_PARAMS = 108;
const NOT_ONLINE = 112;
const BAD_TOPIC = 115;
const BAD_QOS = 116;

const v4 = (code: number, message?: string) => jsonResponse(200, message === undefined ? { code } : { code, message });

/** A refusal of the request as 4.4 answers it: HTTP 200 and its code. */
class Refused extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export async function brokerCall(action: BrokerCallAction, event: HttpEvent, brokerApi: (() => Promise<BrokerApi>) | undefined, via: string): Promise<HttpResponse> {
  if (!brokerApi) {
    return jsonResponse(501, { code: 501, message: `the broker (KICK_VIA=${via}) has no management API: ACL caches and subscriptions on a client's behalf need EMQX (KICK_VIA=emqx4 or emqx5)` });
  }
  try {
    const api = await brokerApi();
    switch (action) {
      case 'listAclCache':
        return jsonResponse(200, { code: 0, data: await api.listAclCache(parseClientId(event.pathParameters?.clientid)) });
      case 'cleanAclCache':
        await api.cleanAclCache(parseClientId(event.pathParameters?.clientid));
        return v4(0);
      case 'subscribe': {
        const { clientid, topics, qos } = subscribeRequest(bodyOf(event));
        for (const topic of topics) await api.subscribe(clientid, topic, qos);
        return v4(0);
      }
      case 'unsubscribe': {
        const body = bodyOf(event);
        const clientid = clientIdOf(body);
        if (typeof body.topic !== 'string' || !isTopicFilter(body.topic)) throw new Refused(BAD_TOPIC, 'bad_topic');
        await api.unsubscribe(clientid, body.topic);
        return v4(0);
      }
    }
  } catch (error) {
    if (error instanceof Refused) return v4(error.code, error.message);
    // 4.4 names what was not found: the channel (pubsub) or the client (ACL cache).
    if (error instanceof ClientNotOnBrokerError) return v4(NOT_ONLINE, action === 'subscribe' || action === 'unsubscribe' ? 'channel_not_found' : 'not_found');
    if (error instanceof ControlChannelError) throw new Failure({ kind: 'broker-unavailable', detail: error.message });
    throw error;
  }
}

function bodyOf(event: HttpEvent): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(requestBody(event) ?? '');
  } catch {
    throw new Refused(BAD_PARAMS, 'bad_params: a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refused(BAD_PARAMS, 'bad_params: a JSON object');
  return body as Record<string, unknown>;
}

function clientIdOf(body: Record<string, unknown>): string {
  if (typeof body.clientid !== 'string') throw new Refused(BAD_PARAMS, 'bad clientid: must be string');
  return parseClientId(body.clientid);
}

/** parse_subscribe_params/1: `topic`, or comma-separated `topics`, invalid filters dropped; `qos` 0 by default. */
function subscribeRequest(body: Record<string, unknown>): { clientid: string; topics: string[]; qos: QoS } {
  const clientid = clientIdOf(body);
  const given = typeof body.topic === 'string' ? body.topic : typeof body.topics === 'string' ? body.topics : '';
  const topics = given.split(',').filter(isTopicFilter);
  if (topics.length === 0) throw new Refused(BAD_TOPIC, 'bad_topic');
  const qos = body.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new Refused(BAD_QOS, 'bad_qos');
  return { clientid, topics, qos };
}

/** emqx_topic:validate({filter, _}): not empty, at most 65535 bytes, no NUL, `#` only as the whole last level, `+` only as a whole level. */
function isTopicFilter(topic: string): boolean {
  if (topic === '' || Buffer.byteLength(topic, 'utf8') > 65_535 || topic.includes('\u0000')) return false;
  const levels = topic.split('/');
  return levels.every((level, i) => (level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+'));
}
