/**
 * The topic set of a session (topic filter → QoS), kept in an item of its
 * own beside the session item: a session item that grew with its topics
 * would make every statistics update cost more than one write unit.
 *
 * Each topic keeps the time of its last change, unsubscribed ones as
 * tombstones for a while, so that a late subscribe cannot bring back a topic
 * that was unsubscribed after it. The set belongs to one session (named by
 * its `created_at`): a new session starts from an empty set.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromItem, type Item } from './item.js';
import { isLive, type SessionRecord } from './model.js';
import type { Qos, TopicSubscription } from './source-events.js';
import type { TableRef } from './table.js';

/** Topic-set items live under keys no MQTT client can have (MQTT forbids U+0000 in a client identifier). */
export const TOPICS_KEY_PREFIX = '\u0000topics#';
export const topicsKey = (clientid: string) => `${TOPICS_KEY_PREFIX}${clientid}`;

/** How long an unsubscribed topic is remembered: far beyond any source's redelivery window. */
export const TOPIC_TOMBSTONE_MS = 60 * 60 * 1000;
/** DynamoDB's TTL drops a topic set this long after its last change (a session gone for good leaves it behind). */
export const TOPICS_PURGE_SECONDS = 400 * 24 * 60 * 60;

export type TopicEntry = { qos: Qos; at: number; on: boolean };
export type TopicMap = Record<string, TopicEntry>;

export type TopicChange =
  | { type: 'subscribed'; at: number; topics: TopicSubscription[] }
  | { type: 'unsubscribed'; at: number; topics: string[] };

/**
 * Orders two changes of one topic: the later wins; at the same time an
 * unsubscribe wins over a subscribe, and a higher QoS over a lower one, so
 * the result never depends on arrival order.
 */
function laterChange(a: TopicEntry, b: TopicEntry): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.on !== b.on) return a.on ? -1 : 1;
  return a.on ? a.qos - b.qos : 0;
}

/** The set after `change`, or undefined if nothing changed. Each topic keeps its latest change. */
export function applyTopicChange(current: TopicMap, change: TopicChange): TopicMap | undefined {
  const next: TopicMap = { ...current };
  let changed = false;
  const entries: Array<[string, TopicEntry]> =
    change.type === 'subscribed'
      ? change.topics.map((t) => [t.topic, { qos: t.qos, at: change.at, on: true }])
      : change.topics.map((topic) => [topic, { qos: 0, at: change.at, on: false }]);
  for (const [topic, entry] of entries) {
    const old = next[topic];
    if (old && laterChange(entry, old) <= 0) continue;
    next[topic] = entry;
    changed = true;
  }
  for (const [topic, entry] of Object.entries(next)) {
    if (!entry.on && entry.at < change.at - TOPIC_TOMBSTONE_MS) {
      delete next[topic];
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/**
 * The cap of a topic set, far under DynamoDB's 400 KB item limit (MQTT allows
 * 64 KB topic filters without limit on their number). A subscribe that would
 * pass it cannot be stored: the set and `subscriptions_cnt` stay as they were,
 * so the count keeps counting exactly the topics the set holds.
 */
export const TOPIC_SET_MAX_TOPICS = 1_000;
export const TOPIC_SET_MAX_BYTES = 128 * 1024;
/** An entry's size beside its topic (a map of qos, at and on in DynamoDB's item size), rounded up. */
const ENTRY_OVERHEAD_BYTES = 32;

const entryBytes = (topic: string) => Buffer.byteLength(topic, 'utf8') + ENTRY_OVERHEAD_BYTES;

/**
 * `set` within the cap, or why it cannot be. Tombstones make room first, the
 * oldest first: they only guard against late redeliveries.
 */
export function fitTopicCap(set: TopicMap): { set: TopicMap } | { over: string } {
  const entries = Object.entries(set);
  const live = entries.filter(([, entry]) => entry.on);
  if (live.length > TOPIC_SET_MAX_TOPICS) return { over: `more than ${TOPIC_SET_MAX_TOPICS} topics subscribed at once` };
  let bytes = entries.reduce((sum, [topic]) => sum + entryBytes(topic), 0);
  if (bytes <= TOPIC_SET_MAX_BYTES) return { set };
  const liveBytes = live.reduce((sum, [topic]) => sum + entryBytes(topic), 0);
  if (liveBytes > TOPIC_SET_MAX_BYTES) return { over: `subscribed topics over ${TOPIC_SET_MAX_BYTES} bytes in all` };
  const fitted: TopicMap = { ...set };
  const tombstones = entries.filter(([, entry]) => !entry.on).sort(([, a], [, b]) => a.at - b.at);
  for (const [topic] of tombstones) {
    if (bytes <= TOPIC_SET_MAX_BYTES) break;
    delete fitted[topic];
    bytes -= entryBytes(topic);
  }
  return { set: fitted };
}

export function subscribedTopics(topics: TopicMap): TopicSubscription[] {
  return Object.entries(topics)
    .filter(([, entry]) => entry.on)
    .map(([topic, entry]) => ({ topic, qos: entry.qos }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

/** The topics of `session` held in a topic-set item, empty if the item belongs to another session. */
export function topicsOf(session: SessionRecord | undefined, item: Item | undefined): TopicMap {
  if (!isLive(session) || !item || item.session !== session.created_at) return {};
  return (item.topics ?? {}) as TopicMap;
}

/** The live session's subscriptions (two consistent or eventually consistent reads). */
export async function readTopics(
  db: DynamoDBDocumentClient,
  table: TableRef,
  clientid: string,
  options: { consistent: boolean } = { consistent: false },
): Promise<TopicSubscription[]> {
  return (await readSessionTopics(db, table, clientid, options)).topics;
}

/** The session record and its subscriptions, read side by side. */
export async function readSessionTopics(
  db: DynamoDBDocumentClient,
  table: TableRef,
  clientid: string,
  options: { consistent: boolean } = { consistent: false },
): Promise<{ session: SessionRecord | undefined; topics: TopicSubscription[] }> {
  const [sessionItem, topicsItem] = await Promise.all(
    [clientid, topicsKey(clientid)].map((key) =>
      db.send(new GetCommand({ TableName: table.tableName, Key: { clientid: key }, ConsistentRead: options.consistent })),
    ),
  );
  const session = fromItem(sessionItem?.Item);
  return { session, topics: subscribedTopics(topicsOf(session, topicsItem?.Item)) };
}
