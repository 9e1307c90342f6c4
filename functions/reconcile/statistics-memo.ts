/**
 * What the table is known to hold of each session's listed fields, as
 * fingerprints by table shard, kept by the caller across runs: a session whose
 * listed fields match costs no read. 8 bytes a session, plus a bit a session
 * during a run: a print seen again is marked in place, only new prints are
 * held apart, so a run does not hold a second copy of the memo. A shard's memo
 * is replaced once a run has checked that whole shard.
 */
import { lowerBound } from './key-set.js';

type ShardMemo = { keys: BigUint64Array; seen: Uint8Array };

export class StatisticsMemo {
  private readonly shards = new Map<number, ShardMemo>();
  private readonly added = new Map<number, { keys: BigUint64Array; size: number }>();

  /** Whether a run has given the shard a memo (a fresh function's memo knows no shard). */
  has(shard: number): boolean {
    return this.shards.has(shard);
  }

  /** Takes `prints` as what the table holds of the shard (memo-scan.ts), in place of what it knew. */
  seed(shard: number, prints: BigUint64Array): void {
    const keys = prints.sort();
    this.shards.set(shard, { keys, seen: new Uint8Array(Math.ceil(keys.length / 8)) });
  }

  knows(shard: number, print: bigint): boolean {
    return this.positionOf(shard, print) !== undefined;
  }

  /** Records a print for the shard's next memo. */
  remember(shard: number, print: bigint): void {
    const at = this.positionOf(shard, print);
    const memo = this.shards.get(shard);
    if (memo && at !== undefined) {
      memo.seen[at >> 3]! |= 1 << (at & 7);
      return;
    }
    let pending = this.added.get(shard);
    if (!pending) this.added.set(shard, (pending = { keys: new BigUint64Array(1024), size: 0 }));
    if (pending.size === pending.keys.length) {
      const grown = new BigUint64Array(pending.keys.length * 2);
      grown.set(pending.keys);
      pending.keys = grown;
    }
    pending.keys[pending.size++] = print;
  }

  /** The prints remembered since the last commit replace the memo of `shards`; the others are dropped. */
  commit(shards: Iterable<number>): void {
    for (const shard of shards) {
      const memo = this.shards.get(shard);
      const added = this.added.get(shard);
      const kept = memo ? memo.keys.filter((_, i) => (memo.seen[i >> 3]! & (1 << (i & 7))) !== 0) : new BigUint64Array(0);
      const next = new BigUint64Array(kept.length + (added?.size ?? 0));
      next.set(kept);
      if (added) next.set(added.keys.subarray(0, added.size), kept.length);
      this.added.delete(shard);
      this.shards.set(shard, { keys: next.sort(), seen: new Uint8Array(Math.ceil(next.length / 8)) });
    }
    this.discard();
  }

  /** Forgets what was remembered in a run that did not finish. */
  discard(): void {
    this.added.clear();
    for (const memo of this.shards.values()) memo.seen.fill(0);
  }

  private positionOf(shard: number, print: bigint): number | undefined {
    const keys = this.shards.get(shard)?.keys;
    if (!keys) return undefined;
    const at = lowerBound(keys, print);
    return at < keys.length && keys[at] === print ? at : undefined;
  }
}
