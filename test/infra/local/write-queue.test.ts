import { describe, expect, it } from 'vitest';
import { ClientWriteQueue } from '../../../infra/local/broker/write-queue.js';
import { RecentIds } from '../../../infra/local/broker/recent-ids.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLog() {
  const errors: string[] = [];
  return { errors, log: { info: () => undefined, error: (message: string) => errors.push(message) } };
}

describe('ClientWriteQueue', () => {
  it('keeps the order of one clientid and runs different clientids side by side', async () => {
    const { log } = recordingLog();
    const queue = new ClientWriteQueue({ log });
    const done: string[] = [];
    let running = 0;
    let most = 0;
    const write = (name: string, ms: number) => async () => {
      most = Math.max(most, ++running);
      await sleep(ms);
      running--;
      done.push(name);
    };

    queue.push('a', 'a1', write('a1', 30));
    queue.push('a', 'a2', write('a2', 1));
    queue.push('b', 'b1', write('b1', 10));
    queue.push('a', 'a3', write('a3', 1));
    expect(queue.pending).toBe(2);
    await queue.idle();

    expect(done.filter((n) => n.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(done.indexOf('b1')).toBeLessThan(done.indexOf('a1'));
    expect(most).toBe(2);
    expect(queue.pending).toBe(0);
  });

  it("retries a failing write until it lands, keeping that client's order, logging one line per outage", async () => {
    const { log, errors } = recordingLog();
    const queue = new ClientWriteQueue({ log, retryDelayMs: 1, maxRetryDelayMs: 4 });
    let attempts = 0;
    const done: string[] = [];

    queue.push('a', 'stalled write', async () => {
      if (++attempts < 6) throw new Error('table unavailable');
      done.push('a1');
    });
    queue.push('a', 'next write', async () => done.push('a2'));
    queue.push('b', 'other client', async () => done.push('b1'));
    expect(queue.pending).toBe(2);
    await queue.idle();

    expect(attempts).toBe(6);
    expect(done).toEqual(['b1', 'a1', 'a2']);
    expect(errors).toEqual(['session write failed, retrying until it lands (stalled write)']);
    expect(queue.retrying).toBe(0);
  });

  it('gives up what is left when drained past its grace time, and says how much', async () => {
    const { log, errors } = recordingLog();
    const queue = new ClientWriteQueue({ log, retryDelayMs: 1, maxRetryDelayMs: 2 });
    queue.push('a', 'never lands', async () => {
      throw new Error('table unavailable');
    });
    queue.push('b', 'lands', async () => undefined);
    expect(await queue.drain(50)).toBe(1);
    expect(queue.pending).toBe(0);
    expect(errors.at(-1)).toContain('1 clients had session writes that did not land');
  });

  it('waits for many failing clients at once without a process warning, and gives them all up at once on drain', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const { log } = recordingLog();
      // Long pauses: only the drain can end them within the test.
      const queue = new ClientWriteQueue({ log, retryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
      for (let i = 0; i < 25; i++) {
        queue.push(`client-${i}`, 'never lands', async () => {
          throw new Error('table unavailable');
        });
      }
      await sleep(20);
      expect(queue.retrying).toBe(25);
      const started = Date.now();
      expect(await queue.drain(50)).toBe(25);
      expect(Date.now() - started).toBeLessThan(1_000);
      // Warnings are emitted on the next tick.
      await sleep(10);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('RecentIds', () => {
  it('tells a repeated id, and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);

    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true);
    expect(ids.add('b')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });
});
