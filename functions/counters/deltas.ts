/**
 * How a change of one session item moves the counters: the item's old and
 * new images (as a table stream carries them) each count in their state and
 * in their state on their node; the change is the difference.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { fromItem, nodeCounterName, STREAM_COUNTED_ATTRIBUTE } from '../sessions/item.js';
import { isLive, type SessionRecord } from '../sessions/model.js';

export type Image = Record<string, AttributeValue>;

/** One change as the stream delivers it: the key's images before and after, and its place in the stream shard. */
export type ItemChange = { sequenceNumber: string; oldImage?: Image; newImage?: Image };

/** Counter name to the amount it moves by; no zeros. */
export type CounterDeltas = Map<string, number>;

/** The counters a session counts in: its state, and its state on its node. */
export function countedIn(record: SessionRecord | undefined): string[] {
  return isLive(record) ? [record.conn_state, nodeCounterName(record.node, record.conn_state)] : [];
}

/**
 * The record an image holds, if it is a session's. Counter items, topic sets
 * and anything else keyed with U+0000 (no MQTT client identifier holds it)
 * count nowhere.
 */
function sessionOf(image: Image | undefined): SessionRecord | undefined {
  if (!image) return undefined;
  const key = image.clientid?.S;
  if (key === undefined || key.startsWith('\u0000')) return undefined;
  return fromItem(unmarshall(image));
}

/**
 * Adds one change's moves to `into`. A change whose new image lacks the
 * stream-counted mark was written by a writer that moved the counters itself
 * (an upgrade in progress) and counts nothing here; a removal (TTL) has no
 * new image and counts.
 */
export function addChangeDeltas(into: CounterDeltas, change: ItemChange): void {
  if (change.newImage && change.newImage[STREAM_COUNTED_ATTRIBUTE]?.BOOL !== true) return;
  for (const name of countedIn(sessionOf(change.oldImage))) into.set(name, (into.get(name) ?? 0) - 1);
  for (const name of countedIn(sessionOf(change.newImage))) into.set(name, (into.get(name) ?? 0) + 1);
}

/** The summed moves of a run of changes, without the counters that end where they started. */
export function changeDeltas(changes: readonly ItemChange[]): CounterDeltas {
  const deltas: CounterDeltas = new Map();
  for (const change of changes) addChangeDeltas(deltas, change);
  for (const [name, delta] of deltas) if (delta === 0) deltas.delete(name);
  return deltas;
}

/** Stream sequence numbers are decimal strings of varying length; padded, they compare as strings in number order. */
const SEQUENCE_DIGITS = 40;
export const comparableSequence = (sequenceNumber: string) => sequenceNumber.padStart(SEQUENCE_DIGITS, '0');
