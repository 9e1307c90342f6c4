/**
 * 64-bit fingerprints that stand for a broker's sessions in a run's compact
 * structures: a few bytes a session instead of the session itself.
 */
import { createHash } from 'node:crypto';
import type { Statistics } from '../sessions/model.js';

/** The statistics that list filters read: the only ones a run rewrites, and only when they change. */
export const TRACKED_STATISTICS = ['mqueue_len', 'mqueue_dropped'] as const satisfies readonly (keyof Statistics)[];

const LOW_32 = 0xffff_ffffn;

function digest64(text: string): bigint {
  return createHash('sha1').update(text, 'utf8').digest().readBigUInt64BE(0);
}

/** The connection a key names: its node and its connect time, to the list's precision. */
export type ConnectionAt = { clientid: string; node: string; connected_at: number };

/** The key space one clientid's keys share: its upper 32 bits. */
export function clientPrefix(clientid: string): bigint {
  return digest64(clientid) & ~LOW_32;
}

/**
 * A session as the broker lists it: the clientid's prefix, then 32 bits of
 * its connection and state. Two equal keys name (with odds of 2^-32 for a
 * client) the same connection in the same state.
 */
export function heldKey(conn: ConnectionAt, state: 'connected' | 'disconnected', precisionMs: number): bigint {
  const connection = digest64(`${conn.node}\n${Math.floor(conn.connected_at / precisionMs)}\n${state}`) & LOW_32;
  return clientPrefix(conn.clientid) | connection;
}

/** The persistence of a connection, as a list reports it. */
export type Persistence = { clean_start: boolean; expiry_interval: number };

/**
 * What the fields a run keeps current were, on one connection: the tracked
 * statistics, and the persistence when the list corrects it (else undefined).
 */
export function listedPrint(conn: ConnectionAt, precisionMs: number, statistics: Statistics, persistence?: Persistence): bigint {
  const tracked = TRACKED_STATISTICS.map((field) => statistics[field]).join(',');
  const flags = persistence ? `\n${persistence.clean_start}\n${persistence.expiry_interval}` : '';
  return digest64(`${conn.clientid}\n${conn.node}\n${Math.floor(conn.connected_at / precisionMs)}\n${tracked}${flags}`);
}
