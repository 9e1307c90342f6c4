/**
 * Paging cursors: the position after the last row served, bound to the query
 * it came from and signed, so that a changed or foreign cursor is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Failure } from '../failures.js';
import type { ClientFilter } from './filter.js';

export type CursorPosition = {
  /** Order key of the last row served; the next page starts after it. */
  after: string;
  /** Page number of the next page, for meta.page. */
  page: number;
};

const VERSION = 1;
const SIGNATURE_BYTES = 16;

/** A stable digest of the filter (key order does not matter). */
export function filterDigest(filter: ClientFilter): string {
  const canonical = JSON.stringify(
    Object.keys(filter)
      .sort()
      .map((key) => [key, filter[key as keyof ClientFilter]]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, SIGNATURE_BYTES);
}

export function encodeCursor(secret: string, filter: ClientFilter, position: CursorPosition): string {
  const payload = Buffer.from(
    JSON.stringify({ v: VERSION, q: filterDigest(filter), a: position.after, p: position.page }),
  ).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

const badCursor = (accepts: string) => new Failure({ kind: 'bad-cursor', accepts });
const invalid = () => badCursor('a cursor from meta.cursor of a response to the same query');

export function decodeCursor(secret: string, filter: ClientFilter, cursor: string): CursorPosition {
  const [payload, signature, extra] = cursor.split('.');
  if (!payload || !signature || extra !== undefined) throw invalid();
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical text of a signature: other trailing bits or padding would make one cursor many.
  if (given.toString('base64url') !== signature) throw invalid();
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { v, q, a, p } = (body ?? {}) as Record<string, unknown>;
  if (v !== VERSION || typeof a !== 'string' || typeof p !== 'number' || !Number.isInteger(p) || p < 1) throw invalid();
  if (q !== filterDigest(filter)) {
    throw badCursor('a cursor of this same query (this one belongs to other filters)');
  }
  return { after: a, page: p };
}
