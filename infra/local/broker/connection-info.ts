/** The `ConnectionInfo` of an MQTT connection to this node, from its CONNECT packet and socket. */
import type { ConnectPacket } from 'aedes';
import { normalizeIp } from '../../../functions/sessions/ip-address.js';
import type { ConnectionInfo } from '../../../functions/sessions/model.js';

/** The settings EMQX groups in a zone; this node has one. */
export type ZoneSettings = {
  name: string;
  /** Seconds an offline session of an MQTT 3.1/3.1.1 client with clean session false is kept. */
  sessionExpiryInterval: number;
};

export const DEFAULT_ZONE: ZoneSettings = { name: 'external', sessionExpiryInterval: 7200 };

/**
 * Inbound QoS 2 messages a client may leave unreleased: aedes 2.0.0-beta.1,
 * unlike aedes 1.2, has no such limit (no `maxInflightInbound`), so 0, as
 * EMQX shows "no limit".
 */
export const MAX_AWAITING_REL = 0;

/** What the CONNECT packet said. */
export type ConnectDetails = {
  username: string | null;
  protocolVersion: number;
  keepalive: number;
  /** Clean Session (MQTT 3.1/3.1.1) or Clean Start (MQTT 5). */
  clean: boolean;
  bridge: boolean;
  /** MQTT 5's Session Expiry Interval property, in seconds: 0 when absent (the session ends with the connection). */
  sessionExpiryInterval: number;
};

export function connectDetails(packet: ConnectPacket): ConnectDetails {
  return {
    username: packet.username ?? null,
    protocolVersion: packet.protocolVersion ?? 4,
    keepalive: packet.keepalive ?? 0,
    clean: packet.clean ?? true,
    bridge: (packet as ConnectPacket & { bridgeMode?: boolean }).bridgeMode === true,
    sessionExpiryInterval: packet.properties?.sessionExpiryInterval ?? 0,
  };
}

/**
 * Seconds the session outlives its connection, as EMQX reports it: an MQTT 5
 * client sets it in CONNECT; for MQTT 3.1/3.1.1, a clean session has none and
 * a persistent one gets the zone's.
 */
export function expiryInterval(details: ConnectDetails, zone: ZoneSettings): number {
  if (details.protocolVersion === 5) return details.sessionExpiryInterval;
  return details.clean ? 0 : zone.sessionExpiryInterval;
}

/** One spelling per address; a socket that is already gone has none. */
export function socketAddress(address: string | undefined): string {
  try {
    return address ? normalizeIp(address) : '0.0.0.0';
  } catch {
    return '0.0.0.0';
  }
}

/** Connection ids that sort in the order the connections were made on this node. */
export function connectionIds(bootAt: number): () => string {
  const boot = bootAt.toString(36);
  let count = 0;
  return () => `${boot}-${(++count).toString(36).padStart(8, '0')}`;
}

export function connectionInfo(input: {
  clientid: string;
  node: string;
  connId: string;
  connectedAt: number;
  createdAt: number;
  details: ConnectDetails;
  ip: string;
  port: number;
  zone: ZoneSettings;
}): ConnectionInfo {
  const { details, zone } = input;
  return {
    clientid: input.clientid,
    node: input.node,
    conn_id: input.connId,
    connected_at: input.connectedAt,
    created_at: input.createdAt,
    username: details.username,
    zone: zone.name,
    ip_address: input.ip,
    port: input.port,
    // MQTT 3.1's CONNECT names the protocol MQIsdp; EMQX shows it so.
    proto_name: details.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    // MQTT 3.1 ("MQIsdp") is version 3, MQTT 3.1.1 ("MQTT") version 4, MQTT 5.0 version 5.
    proto_ver: details.protocolVersion,
    keepalive: details.keepalive,
    clean_start: details.clean,
    expiry_interval: expiryInterval(details, zone),
    is_bridge: details.bridge,
    mountpoint: null,
    // aedes sets no limit on subscriptions, inflight, queued or unreleased messages: 0, as EMQX shows "no limit".
    max_subscriptions: 0,
    max_inflight: 0,
    max_mqueue: 0,
    max_awaiting_rel: MAX_AWAITING_REL,
  };
}
