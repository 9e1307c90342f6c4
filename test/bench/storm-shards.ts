/** How evenly the real shard function spreads a fleet's client ids. */
import { shardOf } from '../../functions/sessions/keys.js';

/** The busiest shard's share of a fleet named `device-<n>`. */
export function largestShardShareOf(shards: number, sample: number): number {
  const counts = new Array<number>(shards).fill(0);
  for (let i = 0; i < sample; i++) counts[shardOf(`device-${String(i).padStart(8, '0')}`, shards)]!++;
  return Math.max(...counts) / sample;
}
