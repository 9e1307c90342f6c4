/**
 * Runs work over a list of events with bounded parallelism across clients,
 * each client's events one after another in list order: the writer's rules
 * make reordering harmless, but a batch in order costs fewer retries.
 */

export type ClientOrderOptions = {
  /** At most this many clients at once. */
  concurrency: number;
  /** Checked before each event: once aborted, no further event is begun. */
  signal?: AbortSignal;
};

/** Resolves once every event ran; rejects with the first failure, after every running event has settled. */
export async function inClientOrder<E>(
  events: readonly E[],
  clientOf: (event: E) => string,
  run: (event: E) => Promise<unknown>,
  options: ClientOrderOptions,
): Promise<void> {
  const byClient = new Map<string, E[]>();
  for (const event of events) {
    const clientid = clientOf(event);
    const queue = byClient.get(clientid);
    if (queue) queue.push(event);
    else byClient.set(clientid, [event]);
  }
  const queues = [...byClient.values()].reverse();
  // A failure stops the other workers between events, as the caller's signal does.
  const stop = new AbortController();
  const stopped = () => stop.signal.aborted || options.signal?.aborted === true;
  const worker = async () => {
    for (let queue = queues.pop(); queue; queue = queues.pop()) {
      for (const event of queue) {
        if (stopped()) return;
        await run(event);
      }
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency, queues.length) }, () =>
    worker().catch((error: unknown) => {
      stop.abort();
      throw error;
    }),
  );
  const results = await Promise.allSettled(workers);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  options.signal?.throwIfAborted();
}
