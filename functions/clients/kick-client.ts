/**
 * DELETE /clients/{clientid}: sends a kick to the node holding the session,
 * then waits (bounded) until the node has recorded the end of that session.
 */
import { randomUUID } from 'node:crypto';
import { ClientNotFoundError, ControlChannelUnavailableError } from '../http/errors.js';
import { isVisible, type SessionRecord } from '../sessions/model.js';
import type { SessionStore } from '../sessions/store.js';
import { COMMAND_VERSION, ControlChannelError, type ControlChannel, type KickCommand } from '../control/channel.js';

export type KickContext = {
  store: SessionStore;
  channel: ControlChannel;
  confirmTimeoutMs: number;
  now: () => number;
};

export type KickOutcome = { status: 200; body: { code: 0 } } | { status: 202; body: { code: 0; message: 'kick pending' } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kicked connection is over once the item shows anything but that live connection. */
function kickDone(record: SessionRecord | undefined, connKey: string): boolean {
  return record === undefined || record.conn_state === null || record.conn_key !== connKey;
}

export async function kickClient(context: KickContext, clientid: string): Promise<KickOutcome> {
  const { store, channel } = context;
  const record = await store.get(clientid, { consistent: true });
  if (!isVisible(record, context.now())) throw new ClientNotFoundError();
  const command: KickCommand = {
    version: COMMAND_VERSION,
    type: 'kick',
    id: randomUUID(),
    clientid,
    node: record.node,
    conn_key: record.conn_key,
    issued_at: new Date(context.now()).toISOString(),
  };
  try {
    await channel.send(command);
  } catch (error) {
    if (error instanceof ControlChannelError) throw new ControlChannelUnavailableError(error.message);
    throw error;
  }
  const deadline = Date.now() + context.confirmTimeoutMs;
  for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
    const current = await store.get(clientid, { consistent: true });
    if (kickDone(current, record.conn_key)) return { status: 200, body: { code: 0 } };
    const left = deadline - Date.now();
    if (left <= 0) return { status: 202, body: { code: 0, message: 'kick pending' } };
    await sleep(Math.min(wait, left));
  }
}
