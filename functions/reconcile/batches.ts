/** Work gathered into bounded batches: a run holds at most one batch of pending work of each kind. */
export class Batches<T> {
  private items: T[] = [];

  constructor(
    private readonly size: number,
    private readonly run: (items: T[]) => Promise<void>,
  ) {}

  async push(item: T): Promise<void> {
    this.items.push(item);
    if (this.items.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    const items = this.items;
    this.items = [];
    if (items.length > 0) await this.run(items);
  }
}

/** Runs `work` over `items`, `concurrency` at a time; stops taking items once `signal` aborts. */
export async function pool<T>(items: readonly T[], concurrency: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && !signal.aborted) await work(items[next++]!);
    }),
  );
}
