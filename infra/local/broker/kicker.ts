/**
 * Executes kick commands on this node: closes the named connection if the
 * node holds it, discards its session (also when the client is offline), and
 * records the end of that connection as `terminated`/`kicked`.
 */
import type { Client } from 'aedes';
import type { KickCommand } from '../../../functions/control/channel.js';
import { compareBytes, connKey } from '../../../functions/sessions/keys.js';
import { isLive } from '../../../functions/sessions/model.js';
import { ended } from '../../../functions/sessions/reducer.js';
import type { NodeSessionWriter } from './node-writer.js';
import type { LocalLog } from '../log.js';
import type { HeldSessions } from './held-sessions.js';
import { RecentIds } from './recent-ids.js';
import type { SessionPersistence } from './session-persistence.js';
import type { ClientWriteQueue } from './write-queue.js';

export type KickOutcome =
  /** The node held the connection and ended it. */
  | 'kicked'
  /** The node does not hold the connection; its record in the table was ended if still live. */
  | 'not-held'
  /** The client has connected again since; the named connection is already over. */
  | 'superseded'
  | 'duplicate'
  | 'other-node';

export type KickerDeps = {
  node: string;
  sessions: HeldSessions;
  persistence: SessionPersistence;
  writer: NodeSessionWriter;
  queue: ClientWriteQueue;
  log: LocalLog;
};

/** MQTT 5's DISCONNECT reason "Administrative action". */
const ADMINISTRATIVE_ACTION = 0x98;

/** Closes the connection; an MQTT 5 client is told why first (earlier versions have no server DISCONNECT). */
function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    if (client.version === 5) client.disconnect({ reasonCode: ADMINISTRATIVE_ACTION, properties: { reasonString: 'kicked' } }, () => resolve());
    else client.close(() => resolve());
  });
}

export class Kicker {
  private readonly executed = new RecentIds();

  constructor(private readonly deps: KickerDeps) {}

  async execute(command: KickCommand): Promise<KickOutcome> {
    const { node, sessions, persistence, writer, queue, log } = this.deps;
    if (command.node !== node) return 'other-node';
    if (!this.executed.add(command.id)) return 'duplicate';
    const { clientid } = command;
    const at = Date.now();
    const session = sessions.get(clientid);
    const held = session?.last;

    if (session && held && connKey(held.info) === command.conn_key) {
      held.kicked = true;
      sessions.drop(session);
      if (session.connection) await closeClient(session.connection.client);
      queue.push(clientid, `kick of ${clientid}`, () =>
        writer.apply({ type: 'terminated', conn: held.info, at, reason: 'kicked' }),
      );
      await persistence.discard(clientid);
      log.info(`kicked ${clientid} (command ${command.id})`);
      return 'kicked';
    }
    if (held && compareBytes(connKey(held.info), command.conn_key) > 0) {
      log.info(`kick of ${clientid} skipped: it connected again since (command ${command.id})`);
      return 'superseded';
    }
    // Not held here (e.g. from before a restart): end what the table still shows of that connection.
    queue.push(clientid, `kick of ${clientid}`, () =>
      writer.mutate(clientid, (current) =>
        isLive(current) && current.conn_key === command.conn_key && current.node === node
          ? ended(current, at, 'kicked')
          : undefined,
      ),
    );
    log.info(`kick of ${clientid}: not held here, ending its record (command ${command.id})`);
    return 'not-held';
  }
}
