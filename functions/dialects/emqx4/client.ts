/**
 * EMQX 4.4's client object: the spec's fields plus the per-QoS message
 * counters that format_channel_info/1 adds (emqx_mgmt_api_clients.erl).
 */
import { toClient } from '../../clients/render.js';
import { QOS_COUNTER_FIELDS, type LiveSession, type Statistics } from '../../sessions/model.js';

type QosCounters = Pick<Statistics, (typeof QOS_COUNTER_FIELDS)[number]>;

export function toEmqx4Client(session: LiveSession) {
  const counters = Object.fromEntries(QOS_COUNTER_FIELDS.map((field) => [field, session[field]])) as QosCounters;
  return { ...toClient(session), ...counters };
}
