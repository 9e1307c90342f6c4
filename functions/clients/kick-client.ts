/**
 * DELETE /clients/{clientid}: sends a kick to the node holding the session,
 * then waits (bounded) until the node has recorded the end of that session.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { failure, Failure, invalidParameter } from '../failures.js';
import { isLive, isVisible, type SessionRecord } from '../sessions/model.js';
import { ended } from '../sessions/reducer.js';
import type { SessionStore } from '../sessions/store.js';
import type { SessionWriter } from '../sessions/writer.js';
import {
  ClientNotAddressableError,
  ClientNotOnBrokerError,
  COMMAND_VERSION,
  ControlChannelError,
  type ControlChannel,
  type KickCommand,
} from '../control/channel.js';

export type KickContext = {
  store: SessionStore;
  channel: ControlChannel;
  confirmTimeoutMs: number;
  now: () => number;
  /**
   * For channels whose broker answers only once it has acted (EMQX's REST
   * API, AWS IoT's DeleteConnection): records the end itself, since no event
   * reports the kick of an offline session, and ends the record when the
   * broker answers that it holds no such client.
   */
  writer?: SessionWriter;
  /**
   * Epoch ms by which the request must answer: no kick is sent after it
   * (a read that answers late must not send one nobody waits for), and the
   * confirmation wait ends before it.
   */
  deadline?: number;
};

/** What became of a kick, for a dialect to render. */
export type KickResult = 'kicked' | 'pending' | 'not-found';

export type KickOutcome = { status: 200; body: { code: 0 } } | { status: 202; body: { code: 0; message: 'kick pending' } };

/** The kicked connection is over once the item shows anything but that live connection. */
function kickDone(record: SessionRecord | undefined, connKey: string): boolean {
  return record === undefined || record.conn_state === null || record.conn_key !== connKey;
}

export async function kickClient(context: KickContext, clientid: string): Promise<KickOutcome> {
  const { store, channel } = context;
  const record = await store.get(clientid, { consistent: true });
  if (!isVisible(record, context.now())) throw failure('client-not-found');
  const command: KickCommand = {
    version: COMMAND_VERSION,
    type: 'kick',
    id: randomUUID(),
    clientid,
    node: record.node,
    conn_key: record.conn_key,
    issued_at: new Date(context.now()).toISOString(),
  };
  const endRecord = (reason: 'kicked' | 'discarded') =>
    context.writer?.mutate(clientid, (current) =>
      isLive(current) && current.conn_key === record.conn_key ? ended(current, context.now(), reason) : undefined,
    );
  if (context.deadline !== undefined && context.now() >= context.deadline) throw failure('deadline-exceeded');
  try {
    await channel.send(command);
  } catch (error) {
    if (error instanceof ControlChannelError) throw new Failure({ kind: 'broker-unavailable', detail: error.message });
    if (error instanceof ClientNotAddressableError) {
      // Sending it again would not help: a refusal of the id, not a broker out of reach.
      throw invalidParameter('clientid', 'a client id the broker\'s REST API can name in a path (EMQX drops "." and ".." segments)');
    }
    if (error instanceof ClientNotOnBrokerError) {
      // The broker is the truth: what the table shows of that connection is over.
      await endRecord('discarded')?.catch(() => undefined);
      throw failure('client-not-found');
    }
    throw error;
  }
  if (context.writer) {
    try {
      await endRecord('kicked');
      return { status: 200, body: { code: 0 } };
    } catch {
      // The broker has acted; the table will learn it from the broker's own event.
    }
  }
  const waitMs = Math.min(context.confirmTimeoutMs, context.deadline !== undefined ? context.deadline - context.now() : Infinity);
  return (await confirmed(store, clientid, record.conn_key, Math.max(waitMs, 0)))
    ? { status: 200, body: { code: 0 } }
    : { status: 202, body: { code: 0, message: 'kick pending' } };
}

/**
 * Polls (consistent reads) until the kicked connection is over or the time is
 * up. The command is already with the broker, so a failed read here means
 * "not confirmed yet", not a failed kick.
 */
async function confirmed(store: SessionStore, clientid: string, connKey: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
    try {
      if (kickDone(await store.get(clientid, { consistent: true }), connKey)) return true;
    } catch {
      return false;
    }
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(wait, left));
  }
}
