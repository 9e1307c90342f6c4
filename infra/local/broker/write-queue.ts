/**
 * Session writes of the broker, off its event path: one ordered queue per
 * clientid, so that a connection's events reach the table in the order they
 * happened, while different clients are written in parallel. A write that
 * fails is retried with growing pauses until it lands: a table that is down
 * for a while delays the picture, never loses part of it. Only a node that
 * stops gives up what is left, and says so; the reconciliation of the next
 * start repairs it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalLog } from '../log.js';

export type WriteQueueOptions = {
  log: LocalLog;
  /** Wait before the second attempt; doubled for each further one. */
  retryDelayMs?: number;
  /** The longest wait between two attempts. */
  maxRetryDelayMs?: number;
};

export class ClientWriteQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly failing = new Set<string>();
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private abandoned = false;
  /** Wakes each write that waits to retry; one entry per waiting write, gone when it wakes. */
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: WriteQueueOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  }

  /** Runs `write` after the writes queued before it for the same clientid. */
  push(clientid: string, what: string, write: () => Promise<unknown>): void {
    const previous = this.tails.get(clientid) ?? Promise.resolve();
    const next = previous.then(() => this.run(clientid, what, write));
    this.tails.set(clientid, next);
    void next.then(() => {
      if (this.tails.get(clientid) === next) this.tails.delete(clientid);
    });
  }

  /** Clientids with writes still queued or running. */
  get pending(): number {
    return this.tails.size;
  }

  /** Clientids whose next write keeps failing. */
  get retrying(): number {
    return this.failing.size;
  }

  /** Resolves once every write queued so far (and any queued meanwhile) is done. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /**
   * Waits up to `graceMs` for the queue to drain, then stops retrying.
   * Returns how many clientids still had writes that did not land.
   */
  async drain(graceMs: number): Promise<number> {
    const timer = sleep(graceMs, undefined, { ref: false }).then(() => 'late' as const);
    if ((await Promise.race([this.idle().then(() => 'idle' as const), timer])) === 'idle') return 0;
    const left = this.tails.size;
    this.abandoned = true;
    for (const wake of [...this.waiting]) wake();
    await this.idle();
    this.options.log.error(`${left} clients had session writes that did not land; the reconciliation of the next start repairs them`);
    return left;
  }

  private async run(clientid: string, what: string, write: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; !this.abandoned; attempt++) {
      try {
        await write();
        if (this.failing.delete(clientid)) this.options.log.info(`session writes of ${clientid} land again (${what})`);
        return;
      } catch (error) {
        // One line per outage of a client, not one per attempt.
        if (!this.failing.has(clientid)) {
          this.failing.add(clientid);
          this.options.log.error(`session write failed, retrying until it lands (${what})`, error);
        }
        const delay = Math.min(this.retryDelayMs * 2 ** (attempt - 1), this.maxRetryDelayMs);
        await this.pause(delay);
      }
    }
  }

  /**
   * Waits `ms`, or less if the queue is abandoned meanwhile. Not a sleep on an
   * abort signal: that adds a listener to the one signal per waiting write, and
   * more than ten clients failing at once is an ordinary outage.
   */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }
}
