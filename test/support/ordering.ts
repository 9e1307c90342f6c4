/** The list order the API promises, written independently of the order keys that implement it. */

/** Newest `created_at` first; ties by clientid in UTF-8 byte order. */
export function listOrder(a: { created_at: number; clientid: string }, b: { created_at: number; clientid: string }): number {
  return b.created_at - a.created_at || Buffer.compare(Buffer.from(a.clientid, 'utf8'), Buffer.from(b.clientid, 'utf8'));
}
