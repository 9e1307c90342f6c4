/**
 * The request bodies EMQX sends for a connection's events: EMQX 5.8 rule
 * events through an HTTP action with an empty body template (every field;
 * `emqx_rule_events.erl`), and EMQX 4.4 WebHook plugin bodies
 * (`emqx_web_hook.erl`), field for field.
 */
import type { ConnectionInfo } from '../../../functions/sessions/model.js';

export type EmqxDialect = 'v5' | 'v4';

/** The rule id the stand-in's bodies carry, as a rule named in EMQX 5 would. */
const RULE_ID = 'clients_api';

/** `ip:port` as EMQX 5 prints a peer: IPv6 without brackets. */
const peername = (conn: ConnectionInfo) => `${conn.ip_address}:${conn.port}`;

function v5Common(conn: ConnectionInfo, timestamp: number) {
  return {
    clientid: conn.clientid,
    // EMQX 5 renders an unset username as the atom's text.
    username: conn.username ?? 'undefined',
    node: conn.node,
    timestamp,
    client_attrs: {},
    metadata: { rule_id: RULE_ID },
  };
}

export function connectedBody(dialect: EmqxDialect, conn: ConnectionInfo, sockname: string): Record<string, unknown> {
  if (dialect === 'v4') {
    return {
      action: 'client_connected',
      node: conn.node,
      clientid: conn.clientid,
      username: conn.username,
      ipaddress: conn.ip_address,
      keepalive: conn.keepalive,
      proto_ver: conn.proto_ver,
      connected_at: conn.connected_at,
    };
  }
  return {
    ...v5Common(conn, conn.connected_at),
    event: 'client.connected',
    mountpoint: conn.mountpoint ?? 'undefined',
    peername: peername(conn),
    sockname,
    proto_name: conn.proto_ver === 3 ? 'MQIsdp' : 'MQTT',
    proto_ver: conn.proto_ver,
    keepalive: conn.keepalive,
    clean_start: conn.clean_start,
    receive_maximum: 32,
    expiry_interval: conn.expiry_interval,
    is_bridge: conn.is_bridge,
    conn_props: {},
    connected_at: conn.connected_at,
  };
}

/** `reason` in EMQX's words: `normal`, `kicked`, … (4.4 and 5 spell a takeover differently; the node reports none). */
export function disconnectedBody(dialect: EmqxDialect, conn: ConnectionInfo, at: number, reason: string, sockname: string): Record<string, unknown> {
  if (dialect === 'v4') {
    return {
      action: 'client_disconnected',
      node: conn.node,
      clientid: conn.clientid,
      username: conn.username,
      reason,
      connected_at: conn.connected_at,
      disconnected_at: at,
    };
  }
  return {
    ...v5Common(conn, at),
    event: 'client.disconnected',
    reason,
    peername: peername(conn),
    sockname,
    proto_name: conn.proto_ver === 3 ? 'MQIsdp' : 'MQTT',
    proto_ver: conn.proto_ver,
    disconn_props: {},
    connected_at: conn.connected_at,
    disconnected_at: at,
  };
}

export function topicBody(dialect: EmqxDialect, conn: ConnectionInfo, at: number, change: { topic: string; qos?: number }): Record<string, unknown> {
  const subscribed = change.qos !== undefined;
  if (dialect === 'v4') {
    return {
      action: subscribed ? 'session_subscribed' : 'session_unsubscribed',
      node: conn.node,
      clientid: conn.clientid,
      username: conn.username,
      topic: change.topic,
      ...(subscribed ? { opts: { qos: change.qos, nl: 0, rap: 0, rh: 0 } } : {}),
    };
  }
  return {
    ...v5Common(conn, at),
    event: subscribed ? 'session.subscribed' : 'session.unsubscribed',
    peerhost: conn.ip_address,
    peername: peername(conn),
    topic: change.topic,
    qos: change.qos ?? 0,
    [subscribed ? 'sub_props' : 'unsub_props']: {},
  };
}

/** EMQX 4.4 only: a session's end, without its connection or a time. */
export function terminatedBody(conn: ConnectionInfo, reason: string): Record<string, unknown> {
  return { action: 'session_terminated', node: conn.node, clientid: conn.clientid, username: conn.username, reason };
}
