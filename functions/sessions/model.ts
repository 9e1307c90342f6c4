/**
 * The session record: what the table holds for one clientid, and the broker
 * events that change it.
 */

export const CONN_STATES = ['connected', 'idle', 'disconnected'] as const;
export type ConnState = (typeof CONN_STATES)[number];

/** As the CONNECT names its protocol: MQTT 3.1 calls itself `MQIsdp`, as EMQX shows it. */
export const PROTO_NAMES = ['MQTT', 'MQIsdp', 'CoAP', 'LwM2M', 'MQTT-SN'] as const;
export type ProtoName = (typeof PROTO_NAMES)[number];

/** What a broker knows of one connection when it starts; fixed for its lifetime. */
export type ConnectionInfo = {
  clientid: string;
  node: string;
  /** Unique per connection on its node; with `connected_at` it orders connections. */
  conn_id: string;
  /** Epoch ms. */
  connected_at: number;
  /** Epoch ms at which the session (which may outlive connections) was created. */
  created_at: number;
  username: string | null;
  zone: string;
  ip_address: string;
  port: number;
  proto_name: ProtoName;
  proto_ver: number;
  keepalive: number;
  clean_start: boolean;
  /** Seconds an offline session is kept; 0 ends it at disconnect. */
  expiry_interval: number;
  is_bridge: boolean;
  mountpoint: string | null;
  max_subscriptions: number;
  max_inflight: number;
  max_mqueue: number;
  max_awaiting_rel: number;
};

/**
 * EMQX 4.4's per-QoS message counters, as its client object shows them
 * (emqx_mgmt_api_clients.erl format_channel_info/1 picks these from the
 * channel's counters, emqx_channel.erl ?CHANNEL_METRICS). Zero where a
 * source does not count them.
 */
export const QOS_COUNTER_FIELDS = [
  'recv_msg.qos0',
  'recv_msg.qos1',
  'recv_msg.qos2',
  'recv_msg.dropped',
  'send_msg.qos0',
  'send_msg.qos1',
  'send_msg.qos2',
  'send_msg.dropped',
  'send_msg.dropped.expired',
  'send_msg.dropped.queue_full',
  'send_msg.dropped.too_large',
] as const;

/** Statistics kept as attributes of their own (the per-QoS counters share one list attribute). */
export const BASE_STATISTICS_FIELDS = [
  'recv_oct',
  'recv_cnt',
  'recv_pkt',
  'recv_msg',
  'send_oct',
  'send_cnt',
  'send_pkt',
  'send_msg',
  'inflight',
  'mqueue_len',
  'mqueue_dropped',
  'awaiting_rel',
  'mailbox_len',
  'heap_size',
  'reductions',
] as const;
export const STATISTICS_FIELDS = [...BASE_STATISTICS_FIELDS, ...QOS_COUNTER_FIELDS] as const;
export type StatisticsField = (typeof STATISTICS_FIELDS)[number];
export type Statistics = Record<StatisticsField, number>;

export const ZERO_STATISTICS: Statistics = Object.fromEntries(STATISTICS_FIELDS.map((f) => [f, 0])) as Statistics;

export type TerminationReason = 'kicked' | 'expired' | 'discarded' | 'disconnected';

/**
 * Broker events. Every event names its connection in full, so that whichever
 * event of a connection arrives first can stand for it; `seq` orders the
 * snapshots of one connection.
 */
export type SessionEvent =
  | { type: 'connected'; conn: ConnectionInfo }
  | { type: 'disconnected'; conn: ConnectionInfo; at: number }
  | { type: 'statistics'; conn: ConnectionInfo; seq: number; statistics: Statistics }
  | { type: 'subscriptions'; conn: ConnectionInfo; seq: number; subscriptions_cnt: number }
  | { type: 'terminated'; conn: ConnectionInfo; at: number; reason: Exclude<TerminationReason, 'disconnected'> };

/** A session that exists (connected, or offline and persistent). */
export type LiveSession = ConnectionInfo & {
  conn_key: string;
  conn_state: ConnState;
  disconnected_at: number | null;
  /** Epoch ms after which an offline session is gone; null while connected. */
  expires_at: number | null;
  subscriptions_cnt: number;
  subs_seq: number;
  stats_seq: number;
} & Statistics;

/** What is left of an ended session: enough to ignore its late events. */
export type EndedSession = {
  clientid: string;
  conn_key: string;
  conn_state: null;
  ended_at: number;
  ended_reason: TerminationReason;
};

export type SessionRecord = LiveSession | EndedSession;

export function isLive(record: SessionRecord | undefined): record is LiveSession {
  return record !== undefined && record.conn_state !== null;
}

/** Live and not past its expiry: what the API shows. */
export function isVisible(record: SessionRecord | undefined, now: number): record is LiveSession {
  return isLive(record) && (record.expires_at === null || record.expires_at > now);
}

/**
 * An offline session survives disconnect when its expiry interval is above
 * 0, whatever Clean Start said: MQTT 5 lets a client start clean and still
 * keep its session, and EMQX keeps it so (v4.4.19 src/emqx_channel.erl
 * maybe_shutdown/2, l.1746). MQTT 3.1/3.1.1 clean sessions have interval 0.
 */
export function isPersistent(conn: Pick<ConnectionInfo, 'expiry_interval'>): boolean {
  return conn.expiry_interval > 0;
}
