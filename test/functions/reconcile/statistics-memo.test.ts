import { describe, expect, it } from 'vitest';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';

describe('the statistics memo', () => {
  it('keeps the prints a run saw again or added, drops the others, and only for the shards committed', () => {
    const memo = new StatisticsMemo();
    for (const print of [1n, 2n, 3n]) memo.remember(0, print);
    memo.remember(1, 10n);
    memo.commit([0, 1]);
    expect([1n, 2n, 3n, 10n, 4n].map((p) => memo.knows(p === 10n ? 1 : 0, p))).toEqual([true, true, true, true, false]);

    memo.remember(0, 3n);
    memo.remember(0, 4n);
    memo.remember(1, 11n);
    memo.commit([0]);
    expect([1n, 2n, 3n, 4n].map((p) => memo.knows(0, p))).toEqual([false, false, true, true]);
    // Shard 1 was not checked in full: its memo stands, and what this run added to it is forgotten.
    expect([memo.knows(1, 10n), memo.knows(1, 11n)]).toEqual([true, false]);
  });

  it('forgets what an unfinished run saw', () => {
    const memo = new StatisticsMemo();
    memo.remember(0, 1n);
    memo.remember(0, 2n);
    memo.commit([0]);
    memo.remember(0, 1n);
    memo.remember(0, 5n);
    memo.discard();
    memo.remember(0, 2n);
    memo.commit([0]);
    expect([1n, 2n, 5n].map((p) => memo.knows(0, p))).toEqual([false, true, false]);
  });
});
