/**
 * aedes' in-memory session persistence, and the two things this node asks of
 * it beyond what aedes does itself: how long a client's outgoing queue is, and
 * discarding a session (kick, expiry) while its client is not connected.
 */
import type { Readable } from 'node:stream';
import memoryPersistenceModule, { type AedesMemoryPersistence } from 'aedes-persistence';

// The package is CommonJS exporting the factory itself, which its ESM-style typings do not say.
const memoryPersistence = memoryPersistenceModule as unknown as () => AedesMemoryPersistence;

type ClientRef = { id: string };

/** Called without a callback, these persistence methods return promises. */
type PromiseForms = {
  cleanSubscriptions(client: ClientRef): Promise<unknown>;
  outgoingStream(client: ClientRef): Readable;
  outgoingClearMessageId(client: ClientRef, packet: unknown): Promise<unknown>;
  cleanIncoming(client: ClientRef): Promise<unknown>;
};

export class SessionPersistence {
  /** Handed to aedes as its persistence. */
  readonly instance: AedesMemoryPersistence = memoryPersistence();

  private get calls(): PromiseForms {
    return this.instance as unknown as PromiseForms;
  }

  /** Messages stored for the client: queued while offline, or sent and not yet acknowledged. */
  async queueLength(clientid: string): Promise<number> {
    let count = 0;
    for await (const _ of this.calls.outgoingStream({ id: clientid })) count++;
    return count;
  }

  /** Forgets the client's subscriptions, queued messages and unreleased QoS 2 messages. */
  async discard(clientid: string): Promise<void> {
    const client = { id: clientid };
    await this.calls.cleanSubscriptions(client);
    // As aedes' own Client#emptyOutgoingQueue: clear each stored message by its id.
    for await (const packet of this.calls.outgoingStream(client)) {
      await this.calls.outgoingClearMessageId(client, packet);
    }
    await this.calls.cleanIncoming(client);
  }
}
