/** inClientOrder: each client's events in list order, clients in parallel, and a stop that begins nothing more. */
import { describe, expect, it } from 'vitest';
import { inClientOrder } from '../../../functions/sessions/client-order.js';

type Event = { clientid: string; seq: number };

const events: Event[] = Array.from({ length: 200 }, (_, i) => ({ clientid: `c${i % 7}`, seq: i }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inClientOrder', () => {
  it('runs each client\'s events in list order, several clients at once but no more than asked', async () => {
    const seen = new Map<string, number[]>();
    let running = 0;
    let most = 0;
    await inClientOrder(events, (e) => e.clientid, async (e) => {
      most = Math.max(most, ++running);
      await pause(Math.random() * 3);
      seen.set(e.clientid, [...(seen.get(e.clientid) ?? []), e.seq]);
      running--;
    }, { concurrency: 4 });
    expect(most).toBe(4);
    for (const [clientid, seqs] of seen) expect(seqs, clientid).toEqual(events.filter((e) => e.clientid === clientid).map((e) => e.seq));
    expect([...seen.values()].flat()).toHaveLength(events.length);
  });

  it('rejects with the first failure once the running events settled, and begins none after it', async () => {
    const begun: number[] = [];
    let settledAfterFailure = false;
    const failure = inClientOrder(events, (e) => e.clientid, async (e) => {
      begun.push(e.seq);
      if (e.seq === 10) throw new Error('store failed');
      await pause(5);
      if (begun.includes(10)) settledAfterFailure = true;
    }, { concurrency: 3 });
    await expect(failure).rejects.toThrow('store failed');
    const count = begun.length;
    await pause(50);
    expect(begun).toHaveLength(count);
    expect(settledAfterFailure).toBe(true);
    expect(count).toBeLessThan(events.length);
  });

  it('begins nothing once its signal is aborted, and rejects with the reason', async () => {
    const controller = new AbortController();
    const begun: number[] = [];
    const run = inClientOrder(events, (e) => e.clientid, async (e) => {
      begun.push(e.seq);
      if (begun.length === 20) controller.abort(new Error('answered'));
      await pause(1);
    }, { concurrency: 2, signal: controller.signal });
    await expect(run).rejects.toThrow('answered');
    expect(begun.length).toBeLessThanOrEqual(21);
  });
});
