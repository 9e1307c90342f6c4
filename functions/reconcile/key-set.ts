/**
 * A set of 64-bit keys in fixed-size chunks, each sorted once filled: 8 bytes
 * a key plus a mark byte, with no copy of the whole set while it grows.
 */
const CHUNK_KEYS = 1 << 20;
const PREFIX_SPAN = 1n << 32n;

export class KeySet {
  private chunks: BigUint64Array[] = [];
  private marks: Uint8Array[] = [];
  private filled = CHUNK_KEYS;
  size = 0;

  add(key: bigint): void {
    if (this.filled === CHUNK_KEYS) {
      this.chunks.push(new BigUint64Array(CHUNK_KEYS));
      this.filled = 0;
    }
    this.chunks[this.chunks.length - 1]![this.filled++] = key;
    this.size++;
  }

  /** Sorts the chunks for lookups; no key is added after. */
  seal(): void {
    const last = this.chunks.length - 1;
    if (last >= 0 && this.filled < CHUNK_KEYS) this.chunks[last] = this.chunks[last]!.slice(0, this.filled);
    for (const chunk of this.chunks) chunk.sort();
    this.marks = this.chunks.map((chunk) => new Uint8Array(chunk.length));
  }

  /** Whether any key lies in [low, low + 2^32): a clientid's prefix. */
  hasPrefix(low: bigint): boolean {
    return this.chunks.some((chunk) => {
      const at = lowerBound(chunk, low);
      return at < chunk.length && chunk[at]! < low + PREFIX_SPAN;
    });
  }

  /** Marks `key` as matched; false when the set lacks it. */
  mark(key: bigint): boolean {
    const found = this.find(key);
    if (found) this.marks[found.chunk]![found.at] = 1;
    return found !== undefined;
  }

  isMarked(key: bigint): boolean {
    const found = this.find(key);
    return found !== undefined && this.marks[found.chunk]![found.at] === 1;
  }

  private find(key: bigint): { chunk: number; at: number } | undefined {
    for (let chunk = 0; chunk < this.chunks.length; chunk++) {
      const keys = this.chunks[chunk]!;
      const at = lowerBound(keys, key);
      if (at < keys.length && keys[at] === key) return { chunk, at };
    }
    return undefined;
  }
}

/** The first position in sorted `keys` whose key is not below `key`. */
export function lowerBound(keys: BigUint64Array, key: bigint): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
