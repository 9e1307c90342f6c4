/**
 * An event the table can never hold: storing it again would fail again.
 * Senders are told not to send it again; everything else in its batch is stored.
 */
export class UnstorableEventError extends Error {
  override readonly name = 'UnstorableEventError';

  constructor(
    readonly clientid: string,
    /** Why, in the sender's terms. */
    readonly reason: string,
  ) {
    super(`event of client ${JSON.stringify(clientid.slice(0, 200))} cannot be stored: ${reason}`);
  }
}
