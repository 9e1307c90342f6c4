/**
 * Session writes of the broker, off its event path: one ordered queue per
 * clientid, so that a connection's events reach the table in the order they
 * happened, while different clients are written in parallel. A write that
 * keeps failing is logged and dropped; it never stops the broker.
 */
import type { LocalLog } from '../log.js';

export type WriteQueueOptions = {
  log: LocalLog;
  /** Attempts per write, the first included. */
  attempts?: number;
  /** Wait before the second attempt; doubled for each further one. */
  retryDelayMs?: number;
};

export class ClientWriteQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: WriteQueueOptions) {
    this.attempts = options.attempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  /** Runs `write` after the writes queued before it for the same clientid. */
  push(clientid: string, what: string, write: () => Promise<unknown>): void {
    const previous = this.tails.get(clientid) ?? Promise.resolve();
    const next = previous.then(() => this.run(what, write));
    this.tails.set(clientid, next);
    void next.then(() => {
      if (this.tails.get(clientid) === next) this.tails.delete(clientid);
    });
  }

  /** Clientids with writes still queued or running. */
  get pending(): number {
    return this.tails.size;
  }

  /** Resolves once every write queued so far (and any queued meanwhile) is done. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async run(what: string, write: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          this.options.log.error(`session write failed, dropped (${what})`, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
