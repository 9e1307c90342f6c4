/**
 * A broker node reduced to what a kick needs: it listens on the control topic
 * of an in-process aedes broker and, for each kick of a connection it still
 * holds, records the end of that connection through the writer, as a real
 * node's `session.terminated` event would.
 */
import type { Aedes } from 'aedes';
import type { KickCommand } from '../../functions/control/channel.js';
import { isLive, type ConnectionInfo, type LiveSession } from '../../functions/sessions/model.js';
import type { SessionStore } from '../../functions/sessions/store.js';
import type { SessionWriter } from '../../functions/sessions/writer.js';

export const TEST_TOPIC_PREFIX = 'clients-api/control';

const CONNECTION_FIELDS = [
  'clientid',
  'node',
  'conn_id',
  'connected_at',
  'created_at',
  'username',
  'zone',
  'ip_address',
  'port',
  'proto_name',
  'proto_ver',
  'keepalive',
  'clean_start',
  'expiry_interval',
  'is_bridge',
  'mountpoint',
  'max_subscriptions',
  'max_inflight',
  'max_mqueue',
  'max_awaiting_rel',
] as const satisfies readonly (keyof ConnectionInfo)[];

/** The connection a live session stands for. */
export function connectionOf(session: LiveSession): ConnectionInfo {
  return Object.fromEntries(CONNECTION_FIELDS.map((f) => [f, session[f]])) as ConnectionInfo;
}

export type KickExecution = { command: KickCommand; outcome: 'terminated' | 'not-held' | 'duplicate' };

export class FakeNode {
  readonly executions: KickExecution[] = [];
  private readonly seen = new Set<string>();
  /** Connections this node has closed: a node holds a socket once, so only one kick can close it. */
  private readonly closed = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  /** Milliseconds between receiving a kick and recording it, as a node takes to close a socket. */
  delayMs = 0;
  private gate: Promise<void> | undefined;
  private readonly arrivals: Array<{ clientid: string; resolve: (command: KickCommand) => void }> = [];

  constructor(
    private readonly store: SessionStore,
    private readonly writer: SessionWriter,
    private readonly topicPrefix = TEST_TOPIC_PREFIX,
  ) {}

  /** Subscribes to the kicks of every node name on this broker instance. */
  attach(broker: Aedes): Promise<void> {
    return new Promise((resolve) => {
      broker.subscribe(
        `${this.topicPrefix}/+/kick`,
        (packet, done) => {
          done();
          const work = this.execute(packet.topic, packet.payload.toString()).finally(() => this.pending.delete(work));
          this.pending.add(work);
        },
        () => resolve(),
      );
    });
  }

  /**
   * Holds every kick received from now on before it is executed, until the
   * returned function is called: lets a test act between a kick's delivery
   * and its execution without depending on timing.
   */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** Resolves with the next kick of `clientid` that arrives. */
  nextCommand(clientid: string): Promise<KickCommand> {
    return new Promise((resolve) => this.arrivals.push({ clientid, resolve }));
  }

  /** Waits until every received kick has been handled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async execute(topic: string, payload: string): Promise<void> {
    const command = JSON.parse(payload) as KickCommand;
    const gate = this.gate;
    for (const waiting of this.arrivals.filter((a) => a.clientid === command.clientid)) {
      this.arrivals.splice(this.arrivals.indexOf(waiting), 1);
      waiting.resolve(command);
    }
    if (gate) await gate;
    if (topic !== `${this.topicPrefix}/${encodeURIComponent(command.node)}/kick`) {
      throw new Error(`kick for ${command.node} arrived on ${topic}`);
    }
    if (this.seen.has(command.id)) {
      this.executions.push({ command, outcome: 'duplicate' });
      return;
    }
    this.seen.add(command.id);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const current = await this.store.get(command.clientid, { consistent: true });
    if (!isLive(current) || current.conn_key !== command.conn_key || current.node !== command.node || this.closed.has(current.conn_key)) {
      this.executions.push({ command, outcome: 'not-held' });
      return;
    }
    // Concurrent kicks of one connection may all find it held in the table; the node closes it once.
    // (The writer may still take a later report with an earlier time: a tombstone keeps the earliest end.)
    this.closed.add(current.conn_key);
    await this.writer.apply({ type: 'terminated', conn: connectionOf(current), at: Date.now(), reason: 'kicked' });
    this.executions.push({ command, outcome: 'terminated' });
  }
}
