/** The `ConnectionInfo` of an MQTT connection to this node, from its CONNECT packet and socket. */
import type { ConnectPacket } from 'aedes';
import { normalizeIp } from '../../../functions/clients/query-params.js';
import type { ConnectionInfo } from '../../../functions/sessions/model.js';

/** The settings EMQX groups in a zone; this node has one. */
export type ZoneSettings = {
  name: string;
  /** Seconds an offline session of an MQTT 3.1/3.1.1 client with clean session false is kept. */
  sessionExpiryInterval: number;
};

export const DEFAULT_ZONE: ZoneSettings = { name: 'external', sessionExpiryInterval: 7200 };

/** Inbound QoS 2 messages a client may leave unreleased (aedes' maxInflightInbound). */
export const MAX_AWAITING_REL = 1000;

/** What the CONNECT packet said. */
export type ConnectDetails = {
  username: string | null;
  protocolVersion: number;
  keepalive: number;
  clean: boolean;
  bridge: boolean;
};

export function connectDetails(packet: ConnectPacket): ConnectDetails {
  return {
    username: packet.username ?? null,
    protocolVersion: packet.protocolVersion ?? 4,
    keepalive: packet.keepalive ?? 0,
    clean: packet.clean ?? true,
    bridge: (packet as ConnectPacket & { bridgeMode?: boolean }).bridgeMode === true,
  };
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
    // MQTT 3.1 ("MQIsdp") is version 3, MQTT 3.1.1 ("MQTT") version 4.
    proto_ver: details.protocolVersion,
    keepalive: details.keepalive,
    clean_start: details.clean,
    expiry_interval: details.clean ? 0 : zone.sessionExpiryInterval,
    is_bridge: details.bridge,
    mountpoint: null,
    // aedes sets no limit on subscriptions, outgoing inflight or queued messages: 0, as EMQX shows "no limit".
    max_subscriptions: 0,
    max_inflight: 0,
    max_mqueue: 0,
    max_awaiting_rel: MAX_AWAITING_REL,
  };
}
