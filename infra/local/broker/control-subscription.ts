/**
 * The node's own control topic, subscribed inside the broker (no network
 * client): each valid command is handed on, anything else is logged and
 * dropped. Delivery is acknowledged at once, so a slow command never holds up
 * the broker's message flow.
 */
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { KickCommand } from '../../../functions/control/channel.js';
import type { LocalLog } from '../log.js';
import { parseKickCommand } from './kick-command.js';

export class ControlSubscription {
  private active = false;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly broker: Aedes,
    readonly topic: string,
    private readonly onKick: (command: KickCommand) => Promise<unknown>,
    private readonly log: LocalLog,
  ) {}

  get subscribed(): boolean {
    return this.active;
  }

  private readonly deliver = (packet: AedesPublishPacket, done: () => void): void => {
    done();
    const parsed = parseKickCommand(packet.payload as Buffer);
    if (!parsed.ok) {
      this.log.error(`ignored a malformed command on ${packet.topic}: ${parsed.problem}`);
      return;
    }
    const work = this.onKick(parsed.command)
      .catch((error: unknown) => this.log.error(`command ${parsed.command.id} failed`, error))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  };

  async subscribe(): Promise<void> {
    if (this.active) return;
    await new Promise<void>((resolve) => this.broker.subscribe(this.topic, this.deliver, resolve));
    this.active = true;
  }

  async unsubscribe(): Promise<void> {
    if (!this.active) return;
    await new Promise<void>((resolve) => this.broker.unsubscribe(this.topic, this.deliver, resolve));
    this.active = false;
  }

  /** Resolves once the commands received so far are done. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
