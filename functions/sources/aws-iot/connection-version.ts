/**
 * Naming an AWS IoT connection against the stored one. AWS numbers the
 * connections of a client ID with `versionNumber` (the same on a connection's
 * connect and disconnect, increasing per new connection, possibly skipping
 * values, reset to 0 after about an hour offline or when a persistent session
 * expired); timestamps are only accurate to ±2 minutes. A connection's
 * `conn_id` is `<versionNumber, 20 digits>#<sessionIdentifier>`, and the
 * connect time we give it keeps the byte order of connection keys in step
 * with the version order.
 */
import type { SessionRecord } from '../../sessions/model.js';

const VERSION_DIGITS = 20;
const MS_DIGITS = 13;

/**
 * A lower version whose event is this much later than the stored connection
 * is a connection after a version reset (AWS resets after about an hour
 * offline), not a late event: stale events of older connections are never
 * later than the stored connect by more than the clock's ±2 minutes. Likewise
 * a higher version this much earlier is a late event from before a reset.
 */
export const VERSION_RESET_WINDOW_MS = 30 * 60 * 1000;

export type AwsIotConnection = { version: number; sessionIdentifier: string; timestamp: number };

export function awsIotConnId(version: number, sessionIdentifier: string): string {
  return `${String(version).padStart(VERSION_DIGITS, '0')}#${sessionIdentifier}`;
}

/** The stored connection's time, version and session, if it is an AWS IoT connection of `node`. */
export function parseStoredConnection(
  connKeyValue: string,
  node: string,
): { connectedAt: number; version: number; sessionIdentifier: string } | undefined {
  const head = connKeyValue.slice(0, MS_DIGITS);
  const prefix = `#${node}#`;
  if (!/^\d{13}$/.test(head) || !connKeyValue.startsWith(prefix, MS_DIGITS)) return undefined;
  const connId = connKeyValue.slice(MS_DIGITS + prefix.length);
  const match = /^(\d{20})#(.+)$/s.exec(connId);
  if (!match) return undefined;
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version)) return undefined;
  return { connectedAt: Number(head), version, sessionIdentifier: match[2]! };
}

export type Placement = {
  /** The connect time that names the event's connection. */
  connectedAt: number;
  /** True when the event's connection is the stored one. */
  stored: boolean;
};

/**
 * Where the event's connection stands against the stored record (live or
 * tombstone): the stored connection itself, a newer one, or stale (undefined).
 */
export function placeConnection(current: SessionRecord | undefined, node: string, event: AwsIotConnection): Placement | undefined {
  if (current === undefined) return { connectedAt: event.timestamp, stored: false };
  const stored = parseStoredConnection(current.conn_key, node);
  // A connection from elsewhere (another node name): only time can order them.
  if (stored === undefined) return { connectedAt: event.timestamp, stored: false };
  if (event.version === stored.version && event.sessionIdentifier === stored.sessionIdentifier) {
    return { connectedAt: stored.connectedAt, stored: true };
  }
  if (!isNewer(event, stored)) return undefined;
  const connectedAt = Math.max(event.timestamp, stored.connectedAt + 1);
  return { connectedAt, stored: false };
}

/**
 * Versions order connections within one run of versions. A reset starts a new
 * run, which shows as a jump in time beyond what clock error explains: a lower
 * version much later than the stored connection is after a reset, and a higher
 * version much earlier is from before one.
 */
function isNewer(event: AwsIotConnection, stored: { connectedAt: number; version: number }): boolean {
  if (event.version > stored.version) return event.timestamp >= stored.connectedAt - VERSION_RESET_WINDOW_MS;
  return event.timestamp > stored.connectedAt + VERSION_RESET_WINDOW_MS;
}
