/** Derived keys: shards, the newest-first order key, the connection order key. */
import { createHash } from 'node:crypto';

/** DynamoDB's limits on key attribute values, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

const MS_DIGITS = 13;
const MAX_MS = 10 ** MS_DIGITS - 1;

/** FNV-1a over the UTF-8 bytes: cheap, stable across runtimes. */
export function shardOf(clientid: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(clientid, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

function pad(ms: number): string {
  return String(ms).padStart(MS_DIGITS, '0');
}

/** Inverted creation time, so that an ascending index walk gives newest first. */
export function invertedTime(ms: number): string {
  return pad(MAX_MS - Math.min(Math.max(Math.trunc(ms), 0), MAX_MS));
}

/**
 * Sort key of the ordered indexes: newest `created_at` first, then clientid in
 * byte order. A clientid too long for a sort key is cut and made unique again
 * with its hash (it still sorts by its first 900 bytes).
 */
export function orderKey(createdAt: number, clientid: string): string {
  const prefix = `${invertedTime(createdAt)}#`;
  const bytes = Buffer.from(clientid, 'utf8');
  if (prefix.length + bytes.length <= MAX_SORT_KEY_BYTES) return prefix + clientid;
  const cut = bytes.subarray(0, 900).toString('utf8').replace(/\uFFFD+$/, '');
  return `${prefix}${cut}\u0001${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The order-key range of sessions created within [gte, lte] (epoch ms, inclusive). */
export function orderKeyRange(gte: number | undefined, lte: number | undefined): { low: string; high: string } {
  // Every order key is 13 digits, '#', clientid; '$' sorts just above '#'.
  return {
    low: lte === undefined ? '0' : `${invertedTime(lte)}#`,
    high: gte === undefined ? ':' : `${invertedTime(gte)}$`,
  };
}

/**
 * The smallest key above `key` that a session can have: clientids never hold
 * U+0000, so nothing lies between `key` and `key + U+0001`.
 */
export function keyAfter(key: string): string {
  return `${key}\u0001`;
}

/** Connection order: later connect time wins; ties broken by node and connection id. */
export function connKey(conn: { connected_at: number; node: string; conn_id: string }): string {
  return `${pad(conn.connected_at)}#${conn.node}#${conn.conn_id}`;
}

/** Byte order of UTF-8 strings, as DynamoDB compares them. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
