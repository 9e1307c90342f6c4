/**
 * EMQX 4.4's client object: the spec's fields plus the per-QoS message
 * counters that format_channel_info/1 adds (emqx_mgmt_api_clients.erl:296-335).
 */
import { CLIENT_FIELDS, toClient } from '../../clients/render.js';
import { QOS_COUNTER_FIELDS, type LiveSession, type Statistics } from '../../sessions/model.js';

type QosCounters = Pick<Statistics, (typeof QOS_COUNTER_FIELDS)[number]>;

/**
 * Messages a client sent that expired before delivery. No source of ours
 * reports it (the local broker counts no drops; EMQX 5 does not list it), so
 * it is always 0.
 */
const RECV_DROPPED_EXPIRED = 'recv_msg.dropped.expired';

/** Every field of the 4.4 client object, for `fields=`. */
export const EMQX4_CLIENT_FIELDS = [...CLIENT_FIELDS, ...QOS_COUNTER_FIELDS, RECV_DROPPED_EXPIRED] as const;

export function toEmqx4Client(session: LiveSession) {
  const counters = Object.fromEntries(QOS_COUNTER_FIELDS.map((field) => [field, session[field]])) as QosCounters;
  return { ...toClient(session), ...counters, [RECV_DROPPED_EXPIRED]: 0 };
}
