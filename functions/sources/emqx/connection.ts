/**
 * How an EMQX event names and describes a connection, the same for EMQX 5
 * rule events and EMQX 4.4 WebHook bodies: EMQX has no connection id, so a
 * connection is its node plus its connect time, and what an event does not
 * carry is filled from EMQX_DEFAULTS.
 */
import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { normalizeIp } from '../../sessions/ip-address.js';
import { MAX_PARTITION_KEY_BYTES, utf8Length } from '../../sessions/keys.js';
import type { ConnectionInfo, ProtoName, SessionEvent } from '../../sessions/model.js';
import { InvalidEventError } from '../invalid-event.js';

/** What EMQX events leave out, filled in the same way for every EMQX connection. */
export const EMQX_DEFAULTS = {
  /** EMQX has no connection id: node plus connected_at name a connection. */
  conn_id: '',
  /** EMQX 5's zone when none is configured (events do not name the zone). */
  zone_v5: 'default',
  /** EMQX 4.4's zone for listeners on the default external port (events do not name the zone). */
  zone_v4: 'external',
  /** No username (EMQX 5 sends the string "undefined", EMQX 4.4 null, some templates leave it out). */
  username: null,
  /** MQTT's clean start; the writer keeps the stored connection's own value for a disconnect it knows. */
  clean_start: true,
  /** Seconds: 0 ends the session at disconnect; likewise replaced by the stored value when known. */
  expiry_interval: 0,
  /** EMQX 4.4 bodies name no protocol; its WebHook serves MQTT clients. */
  proto_name: 'MQTT',
  /** Unknown protocol version (EMQX 4.4 sends it only when the connection has one; disconnects never). */
  proto_ver: 0,
  /** Seconds; EMQX reports 0 when the connection has no keep-alive. */
  keepalive: 0,
  /** EMQX 4.4 bodies carry the address without the port. */
  port: 0,
  /** The unspecified address stands for "not known": EMQX 4.4 disconnects carry no address. */
  ip_address: '0.0.0.0',
  /** Not a bridge unless the event says so. */
  is_bridge: false,
  /** No mountpoint (EMQX 5 sends the string "undefined" when none is set). */
  mountpoint: null,
  /** Session limits are not in any event: 0 renders as "unknown". */
  max_subscriptions: 0,
  max_inflight: 0,
  max_mqueue: 0,
  max_awaiting_rel: 0,
} as const;

const MAX_EPOCH_MS = 1e13 - 1;
/** MQTT 5's largest Session Expiry Interval, in seconds. */
const MAX_EXPIRY_SECONDS = 0xffffffff;

export const clientIdSchema = z.string().check(
  z.refine((v) => v !== '' && utf8Length(v) <= MAX_PARTITION_KEY_BYTES && !v.includes('\u0000') && v.isWellFormed()),
);
/** An Erlang node name (`emqx@10.0.0.1`); '#' separates the parts of a connection key. */
export const nodeSchema = z.string().check(z.minLength(1), z.maxLength(255), z.refine((v) => !v.includes('#') && !v.includes('\u0000')));
export const epochMsSchema = z.number().check(z.int(), z.gte(0), z.lte(MAX_EPOCH_MS));
export const keepaliveSchema = z.number().check(z.int(), z.gte(0), z.lte(65535));
export const protoVerSchema = z.number().check(z.int(), z.gte(0), z.lte(255));
export const expirySchema = z.number().check(z.int(), z.gte(0), z.lte(MAX_EXPIRY_SECONDS));
export const qosSchema = z.union([z.literal(0), z.literal(1), z.literal(2)]);
export const topicSchema = z.string().check(z.minLength(1), z.maxLength(65535));
export const usernameSchema = z.optional(z.nullable(z.string()));
export const reasonSchema = z.string();

/** What each field accepts, for the 400 that names it. */
export const ACCEPTS: Record<string, string> = {
  body: 'a JSON object',
  event: 'an EMQX 5 rule event name such as "client.connected" (EMQX 4.4 WebHook bodies name theirs in "action")',
  action: 'an EMQX 4.4 WebHook action name, such as "client_connected"',
  clientid: `a non-empty client ID of at most ${MAX_PARTITION_KEY_BYTES} UTF-8 bytes, without U+0000`,
  node: 'an EMQX node name (1 to 255 characters, without "#")',
  username: 'a string or null',
  peername: 'an "ip:port" address',
  ipaddress: 'an IPv4 or IPv6 address',
  proto_name: 'a string',
  proto_ver: 'an integer from 0 to 255',
  keepalive: 'an integer number of seconds from 0 to 65535',
  clean_start: 'true or false',
  expiry_interval: `an integer number of seconds from 0 to ${MAX_EXPIRY_SECONDS}`,
  is_bridge: 'true or false',
  mountpoint: 'a string or null',
  connected_at: 'epoch milliseconds (an integer)',
  disconnected_at: 'epoch milliseconds (an integer)',
  timestamp: 'epoch milliseconds (an integer)',
  reason: 'a string',
  topic: 'a non-empty topic string',
  qos: 'a QoS: 0, 1 or 2',
  opts: 'an object of subscription options',
  'opts.qos': 'a QoS: 0, 1 or 2',
};

export function invalidField(field: string): InvalidEventError {
  return new InvalidEventError(field, ACCEPTS[field] ?? 'a valid value');
}

/** The body's fields as the schema reads them, or the 400 naming the first bad field. */
export function readFields<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const result = z.safeParse(schema, body);
  if (result.success) return result.data;
  const path = result.error.issues[0]?.path ?? [];
  throw invalidField(path.length > 0 ? path.map(String).join('.') : 'body');
}

/** An address in EMQX's spelling (IPv4-mapped IPv6 included) as the API stores it. */
export function emqxIp(value: string, field: string): string {
  if (isIP(value) === 0) throw invalidField(field);
  try {
    return normalizeIp(value);
  } catch {
    throw invalidField(field);
  }
}

/**
 * "ip:port". EMQX 5 appends ":port" to the address as Erlang prints it, so an
 * IPv6 peer reads "::1:1883" (no brackets); "[::1]:1883" is read as well.
 */
export function parsePeername(value: string, field = 'peername'): { ip_address: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value);
  const split = bracketed ?? /^(.+):(\d{1,5})$/.exec(value);
  if (!split) throw invalidField(field);
  const port = Number(split[2]);
  if (port > 65535) throw invalidField(field);
  return { ip_address: emqxIp(split[1]!, field), port };
}

/** EMQX's protocol names as the API's; undefined for protocols the API does not list (the event is not tracked). */
export function protoName(value: string): ProtoName | undefined {
  switch (value) {
    case 'MQTT':
    case 'MQIsdp': // MQTT 3.1's protocol name, kept as EMQX shows it
    case 'MQTT-SN':
    case 'CoAP':
    case 'LwM2M':
      return value;
    default:
      return undefined;
  }
}

/** EMQX 5 prints an unset value as the string "undefined"; that, null and absent mean none. */
export function emqx5Text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === 'undefined' ? null : value;
}

/** A mountpoint: "" is no mountpoint either. */
export function emqx5Mountpoint(value: string | null | undefined): string | null {
  return value === '' ? null : emqx5Text(value);
}

/** The fields one connection's events can tell; the rest come from EMQX_DEFAULTS. */
export type EmqxConnectionFields = {
  clientid: string;
  node: string;
  connected_at: number;
  zone: string;
  username?: string | null;
  ip_address?: string;
  port?: number;
  proto_name?: ProtoName;
  proto_ver?: number;
  keepalive?: number;
  clean_start?: boolean;
  expiry_interval?: number;
  is_bridge?: boolean;
  mountpoint?: string | null;
};

export function emqxConnection(fields: EmqxConnectionFields): ConnectionInfo {
  const d = EMQX_DEFAULTS;
  return {
    clientid: fields.clientid,
    node: fields.node,
    conn_id: d.conn_id,
    connected_at: fields.connected_at,
    // A resumed session keeps its stored creation time (the writer sees to it).
    created_at: fields.connected_at,
    username: fields.username ?? d.username,
    zone: fields.zone,
    ip_address: fields.ip_address ?? d.ip_address,
    port: fields.port ?? d.port,
    proto_name: fields.proto_name ?? d.proto_name,
    proto_ver: fields.proto_ver ?? d.proto_ver,
    keepalive: fields.keepalive ?? d.keepalive,
    clean_start: fields.clean_start ?? d.clean_start,
    expiry_interval: fields.expiry_interval ?? d.expiry_interval,
    is_bridge: fields.is_bridge ?? d.is_bridge,
    mountpoint: fields.mountpoint ?? d.mountpoint,
    max_subscriptions: d.max_subscriptions,
    max_inflight: d.max_inflight,
    max_mqueue: d.max_mqueue,
    max_awaiting_rel: d.max_awaiting_rel,
  };
}

/**
 * A disconnect as a session event: a kick or a discard (a new connection
 * asked for a clean start) ends the session; every other reason (normal,
 * a takeover, a timeout, a closed socket, …) disconnects this connection,
 * which ends it unless the session is persistent.
 */
export function disconnectEvent(conn: ConnectionInfo, at: number, reason: string): SessionEvent {
  // Both times come from the node's clock; the end is never put before the start.
  const when = Math.max(at, conn.connected_at);
  if (reason === 'kicked' || reason === 'discarded') return { type: 'terminated', conn, at: when, reason };
  return { type: 'disconnected', conn, at: when };
}
