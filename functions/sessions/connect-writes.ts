/**
 * A connect that reports its session's persistence (EMQX 5, our broker) in
 * one conditional write and no read: the record it leads to is known from
 * the event alone, up to what the condition pins.
 *
 * - A clean start replaces whatever the table holds for an older connection
 *   (or nothing) with a fresh session: a Put on the condition that no newer
 *   or same connection is stored.
 * - A resume keeps the stored session's creation time (so its order key)
 *   and subscription count and replaces everything else: an Update on the
 *   condition that a live, unexpired session of an older connection is stored.
 *
 * When the condition fails, the item it returns is where the general
 * read-modify-write path starts (no read either): a duplicate, a stale
 * connect, or a resume with no session to resume.
 */
import { randomInt } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemOfFailedCondition } from './dynamodb.js';
import { toItem, type Item } from './item.js';
import { connKey } from './keys.js';
import type { ConnectionInfo, LiveSession } from './model.js';
import { applyEvent } from './reducer.js';
import type { TableRef } from './table.js';

export type FastWrite = { done: true } | { done: false; current: Item | undefined };

/** What a resume keeps of the stored session. */
const KEPT_ON_RESUME = new Set(['clientid', 'rev', 'created_at', 'order_key', 'subscriptions_cnt']);

/**
 * Every attribute a live session's item can have: a record with each
 * optional field set shows them all. A resume removes those its new
 * connection leaves unset (an offline session's expiry, a username gone).
 */
const LIVE_ATTRIBUTES: readonly string[] = (() => {
  const conn: ConnectionInfo = {
    clientid: 'c', node: 'n', conn_id: 'i', connected_at: 1, created_at: 1, username: 'u', zone: 'z',
    ip_address: '127.0.0.1', port: 1, proto_name: 'MQTT', proto_ver: 5, keepalive: 60, clean_start: false,
    expiry_interval: 1, is_bridge: false, mountpoint: 'm', max_subscriptions: 0, max_inflight: 0, max_mqueue: 0,
    max_awaiting_rel: 0,
  };
  const offline = applyEvent(applyEvent(undefined, { type: 'connected', conn }), { type: 'disconnected', conn, at: 2 });
  return Object.keys(toItem(offline!, 1, 0));
})();

/**
 * A revision no reader can hold: the write replaces an item it did not
 * read, so a counter from it could repeat one a concurrent writer read.
 */
const freshRevision = () => randomInt(2 ** 47);

function freshSession(conn: ConnectionInfo): LiveSession {
  const next = applyEvent(undefined, { type: 'connected', conn });
  if (next?.conn_state !== 'connected') throw new Error('a connect always leads to a connected session');
  return next;
}

function failedCondition(error: unknown): FastWrite {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
  return { done: false, current: itemOfFailedCondition(error) };
}

/**
 * A fresh session for `conn` (a clean start, or a connect whose source
 * names the session's creation itself), unless the table holds this
 * connection or a newer one.
 */
export async function putFreshSession(db: DynamoDBDocumentClient, table: TableRef, conn: ConnectionInfo): Promise<FastWrite> {
  try {
    await db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: toItem(freshSession(conn), table.shards, freshRevision()),
        ConditionExpression: 'attribute_not_exists(clientid) OR conn_key < :key',
        ExpressionAttributeValues: { ':key': connKey(conn) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { done: true };
  } catch (error) {
    return failedCondition(error);
  }
}

/** `conn` resuming the stored session: live, of an older connection, not expired when `conn` connected. */
export async function updateResume(db: DynamoDBDocumentClient, table: TableRef, conn: ConnectionInfo): Promise<FastWrite> {
  const next = toItem(freshSession(conn), table.shards, 0);
  const names: Record<string, string> = { '#rev': 'rev', '#state': 'conn_state', '#key': 'conn_key', '#exp': 'expires_at' };
  const values: Record<string, unknown> = { ':one': 1, ':key': connKey(conn), ':at': conn.connected_at };
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(next).forEach(([name, value], i) => {
    if (KEPT_ON_RESUME.has(name)) return;
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  LIVE_ATTRIBUTES.forEach((name, i) => {
    if (KEPT_ON_RESUME.has(name) || name in next) return;
    names[`#r${i}`] = name;
    removes.push(`#r${i}`);
  });
  try {
    await db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { clientid: conn.clientid },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''} ADD #rev :one`,
        ConditionExpression: 'attribute_exists(#state) AND #key < :key AND (attribute_not_exists(#exp) OR #exp > :at)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { done: true };
  } catch (error) {
    return failedCondition(error);
  }
}
