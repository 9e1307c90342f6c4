/**
 * AWS IoT Core lifecycle events as source events. The IoT rule
 * `SELECT *, topic() AS topic FROM '$aws/events/presence/+/+'` (and
 * `'$aws/events/subscriptions/+/+'`) hands over the event JSON plus `topic`.
 *
 * AWS orders the connections of a client ID by `versionNumber`, not by time
 * (timestamps are only accurate to ±2 minutes, events come duplicated and out
 * of order), so connects and disconnects are named against the stored
 * connection: see `connection-version.ts`.
 */
import * as z from 'zod/mini';
import { normalizeIp } from '../../sessions/ip-address.js';
import { MAX_PARTITION_KEY_BYTES, utf8Length } from '../../sessions/keys.js';
import { isLive, type ConnectionInfo, type SessionEvent } from '../../sessions/model.js';
import type { SourceEvent } from '../../sessions/source-events.js';
import { InvalidEventError } from '../invalid-event.js';
import { awsIotConnId, placeConnection, type AwsIotConnection } from './connection-version.js';

export type AwsIotOptions = {
  /** The node name AWS IoT's sessions carry; default `aws-iot@<region>`. */
  node: string;
  /** The account's persistent-session expiry (AWS default 3600 s); used only with persistentSessions. */
  sessionExpirySeconds: number;
  /** Whether the fleet's clients connect with cleanSession=false; lifecycle events do not say. */
  persistentSessions: boolean;
};

/** What a lifecycle event does not tell, filled in the same way for every AWS IoT connection. */
export const AWS_IOT_CONNECTION_DEFAULTS = {
  /** AWS does not expose the MQTT username. */
  username: null,
  /** AWS IoT has no zones; one name says where these sessions come from. */
  zone: 'aws-iot',
  /** Lifecycle events carry the client's address but not its port. */
  port: 0,
  /** Every lifecycle event is about an MQTT connection (MQTT over WebSocket included). */
  proto_name: 'MQTT',
  /** Unknown: the events do not name the MQTT version. Shown as 0; `proto_ver=0` selects these sessions. */
  proto_ver: 0,
  /** Unknown: the events do not carry the keep-alive. */
  keepalive: 0,
  /** AWS IoT has no bridges of its own. */
  is_bridge: false,
  /** AWS IoT has no mountpoints. */
  mountpoint: null,
  /** Unknown (AWS enforces account-wide quotas, not per-session limits); 0 means unknown. */
  max_subscriptions: 0,
  /** Unknown, as above. */
  max_inflight: 0,
  /** Unknown, as above. */
  max_mqueue: 0,
  /** Unknown, as above. */
  max_awaiting_rel: 0,
  /**
   * The unspecified address stands for "not known": a disconnect that arrives
   * before its connect carries no address (only connect events have `ipAddress`).
   */
  unknown_ip_address: '0.0.0.0',
  /** Subscribe events list topics without QoS; MQTT's default, QoS 0, is assumed. */
  subscription_qos: 0,
} as const;

/**
 * The disconnect reason of a kick through DeleteConnection. Our kick asks for
 * cleanSession=true, so it ends the session; every other reason, a takeover
 * (`DUPLICATE_CLIENTID`: a newer connection of the client ID took over)
 * included, is a disconnect of this connection.
 */
const API_KICK = 'API_INITIATED_DISCONNECT';

const MAX_EPOCH_MS = 1e13 - 1;

const clientId = z.string().check(
  z.refine((v) => v !== '' && utf8Length(v) <= MAX_PARTITION_KEY_BYTES && !v.includes('\u0000') && v.isWellFormed()),
);
const timestamp = z.number().check(z.int(), z.gte(0), z.lte(MAX_EPOCH_MS));
const sessionIdentifier = z.string().check(z.minLength(1), z.maxLength(256));
const versionNumber = z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));
const topics = z.array(z.string().check(z.minLength(1), z.maxLength(65535)));

const connectionFields = {
  clientId,
  timestamp,
  sessionIdentifier,
  versionNumber,
  principalIdentifier: z.optional(z.string()),
  thingName: z.optional(z.string()),
};

const schemas = {
  connected: z.object({ ...connectionFields, ipAddress: z.string() }),
  disconnected: z.object({
    ...connectionFields,
    clientInitiatedDisconnect: z.optional(z.boolean()),
    disconnectReason: z.optional(z.string()),
  }),
  subscribed: z.object({ clientId, timestamp, sessionIdentifier: z.optional(z.string()), topics }),
  unsubscribed: z.object({ clientId, timestamp, sessionIdentifier: z.optional(z.string()), topics }),
};
type EventType = keyof typeof schemas;

/** What each field accepts, for the 400 that names it. */
const ACCEPTS: Record<string, string> = {
  body: 'a JSON object',
  eventType: 'a string',
  clientId: `a non-empty client ID of at most ${MAX_PARTITION_KEY_BYTES} UTF-8 bytes, without U+0000`,
  timestamp: 'epoch milliseconds (an integer)',
  sessionIdentifier: 'a non-empty string of at most 256 characters',
  versionNumber: 'a non-negative integer',
  principalIdentifier: 'a string',
  thingName: 'a string',
  ipAddress: 'an IPv4 or IPv6 address',
  clientInitiatedDisconnect: 'true or false',
  disconnectReason: 'a string',
  topics: 'an array of non-empty topic strings',
};

function isEventType(value: string): value is EventType {
  return Object.hasOwn(schemas, value);
}

/**
 * The source events of one lifecycle event: [] for event types that do not
 * concern sessions; InvalidEventError when a known event is malformed.
 */
export function parseAwsIotEvent(body: unknown, options: AwsIotOptions): SourceEvent[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body');
  const eventType = (body as Record<string, unknown>)['eventType'];
  if (typeof eventType !== 'string') throw invalid('eventType');
  if (!isEventType(eventType)) return [];
  switch (eventType) {
    case 'connected': {
      const event = read(schemas.connected, body);
      let ip: string;
      try {
        ip = normalizeIp(event.ipAddress);
      } catch {
        throw invalid('ipAddress');
      }
      return [connectEvent(event, ip, options)];
    }
    case 'disconnected':
      return [disconnectEvent(read(schemas.disconnected, body), options)];
    case 'subscribed': {
      const event = read(schemas.subscribed, body);
      if (event.topics.length === 0) return [];
      const qos = AWS_IOT_CONNECTION_DEFAULTS.subscription_qos;
      return [{ type: 'subscribed', clientid: event.clientId, at: event.timestamp, topics: event.topics.map((topic) => ({ topic, qos })) }];
    }
    case 'unsubscribed': {
      const event = read(schemas.unsubscribed, body);
      if (event.topics.length === 0) return [];
      return [{ type: 'unsubscribed', clientid: event.clientId, at: event.timestamp, topics: event.topics }];
    }
  }
}

function invalid(field: string): InvalidEventError {
  return new InvalidEventError(field, ACCEPTS[field] ?? 'a valid value');
}

function read<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const result = z.safeParse(schema, body);
  if (result.success) return result.data;
  const field = result.error.issues[0]?.path[0];
  throw invalid(typeof field === 'string' ? field : 'body');
}

type ConnectionFields = { clientId: string; timestamp: number; sessionIdentifier: string; versionNumber: number };

function identity(event: ConnectionFields): AwsIotConnection {
  return { version: event.versionNumber, sessionIdentifier: event.sessionIdentifier, timestamp: event.timestamp };
}

/** The connection as this fleet's defaults describe it, connected at `connectedAt`. */
function connectionInfo(
  event: ConnectionFields,
  connectedAt: number,
  ip: string,
  options: AwsIotOptions,
): ConnectionInfo {
  const d = AWS_IOT_CONNECTION_DEFAULTS;
  return {
    clientid: event.clientId,
    node: options.node,
    conn_id: awsIotConnId(event.versionNumber, event.sessionIdentifier),
    connected_at: connectedAt,
    // A resumed session keeps its stored creation time (the writer sees to it).
    created_at: connectedAt,
    username: d.username,
    zone: d.zone,
    ip_address: ip,
    port: d.port,
    proto_name: d.proto_name,
    proto_ver: d.proto_ver,
    keepalive: d.keepalive,
    clean_start: !options.persistentSessions,
    expiry_interval: options.persistentSessions ? options.sessionExpirySeconds : 0,
    is_bridge: d.is_bridge,
    mountpoint: d.mountpoint,
    max_subscriptions: d.max_subscriptions,
    max_inflight: d.max_inflight,
    max_mqueue: d.max_mqueue,
    max_awaiting_rel: d.max_awaiting_rel,
  };
}

function connectEvent(event: ConnectionFields, ip: string, options: AwsIotOptions): SourceEvent {
  return {
    type: 'resolve',
    clientid: event.clientId,
    resolve: (current) => {
      const place = placeConnection(current, options.node, identity(event));
      if (place === undefined) return undefined;
      return { type: 'connected', conn: connectionInfo(event, place.connectedAt, ip, options) };
    },
  };
}

function disconnectEvent(
  event: ConnectionFields & { disconnectReason?: string | undefined },
  options: AwsIotOptions,
): SourceEvent {
  return {
    type: 'resolve',
    clientid: event.clientId,
    resolve: (current): SessionEvent | undefined => {
      const place = placeConnection(current, options.node, identity(event));
      if (place === undefined) return undefined;
      const conn =
        place.stored && isLive(current)
          ? storedConnection(current)
          : connectionInfo(event, place.connectedAt, AWS_IOT_CONNECTION_DEFAULTS.unknown_ip_address, options);
      // The event's time may lie before the connect time we gave the connection (±2 min accuracy).
      const at = Math.max(event.timestamp, conn.connected_at);
      if (event.disconnectReason === API_KICK) return { type: 'terminated', conn, at, reason: 'kicked' };
      return { type: 'disconnected', conn, at };
    },
  };
}

/** The stored connection's own description (its address came with its connect). */
function storedConnection(record: ConnectionInfo): ConnectionInfo {
  return {
    clientid: record.clientid,
    node: record.node,
    conn_id: record.conn_id,
    connected_at: record.connected_at,
    created_at: record.created_at,
    username: record.username,
    zone: record.zone,
    ip_address: record.ip_address,
    port: record.port,
    proto_name: record.proto_name,
    proto_ver: record.proto_ver,
    keepalive: record.keepalive,
    clean_start: record.clean_start,
    expiry_interval: record.expiry_interval,
    is_bridge: record.is_bridge,
    mountpoint: record.mountpoint,
    max_subscriptions: record.max_subscriptions,
    max_inflight: record.max_inflight,
    max_mqueue: record.max_mqueue,
    max_awaiting_rel: record.max_awaiting_rel,
  };
}
