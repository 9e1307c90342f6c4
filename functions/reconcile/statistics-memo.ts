/**
 * What the table is known to hold of each session's tracked statistics, as
 * fingerprints by table shard, kept by the caller across runs: a session whose
 * listed statistics match costs no read. 8 bytes a session; a shard's memo is
 * replaced once a run has checked that whole shard.
 */
import { lowerBound } from './key-set.js';

export class StatisticsMemo {
  private readonly shards = new Map<number, BigUint64Array>();
  private readonly next = new Map<number, { keys: BigUint64Array; size: number }>();

  knows(shard: number, print: bigint): boolean {
    const keys = this.shards.get(shard);
    if (!keys) return false;
    const at = lowerBound(keys, print);
    return at < keys.length && keys[at] === print;
  }

  /** Records a print for the shard's next memo. */
  remember(shard: number, print: bigint): void {
    let pending = this.next.get(shard);
    if (!pending) this.next.set(shard, (pending = { keys: new BigUint64Array(1024), size: 0 }));
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
      const pending = this.next.get(shard);
      this.shards.set(shard, pending ? pending.keys.slice(0, pending.size).sort() : new BigUint64Array(0));
    }
    this.next.clear();
  }

  /** Forgets what was remembered in a run that did not finish. */
  discard(): void {
    this.next.clear();
  }
}
