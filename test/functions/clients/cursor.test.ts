import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, filterDigest } from '../../../functions/clients/cursor.js';
import type { ClientFilter } from '../../../functions/clients/filter.js';
import { Failure } from '../../../functions/failures.js';
import { toApiError } from '../../../functions/http/errors.js';
import { orderKey } from '../../../functions/sessions/keys.js';
import { signedWith, withField } from '../../support/cursors.js';

const secret = 'cursor-secret-for-tests-0001';
const filter: ClientFilter = { conn_state: 'connected', usernames: ['alice', 'bob'], created_at: { gte: 1000 } };
const position = { after: orderKey(Date.UTC(2026, 0, 1), 'device/é/🚀'), page: 4 };

function expectRefused(decode: () => unknown) {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).reason.kind).toBe('bad-cursor');
    const answer = toApiError(error);
    expect(answer.status).toBe(400);
    expect(answer.code).toBe(108);
    expect(answer.message).toContain('_cursor');
    return;
  }
  throw new Error('the cursor was accepted');
}

/** Replaces one character of `text` at `index` with another of the base64url alphabet. */
function flip(text: string, index: number): string {
  const c = text[index];
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('paging cursors', () => {
  it('round-trip the position for the same filter', () => {
    const cursor = encodeCursor(secret, filter, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(secret, filter, cursor)).toEqual(position);
  });

  it('do not depend on the order of the filter keys', () => {
    const reordered: ClientFilter = { created_at: { gte: 1000 }, usernames: ['alice', 'bob'], conn_state: 'connected' };
    expect(filterDigest(reordered)).toBe(filterDigest(filter));
    expect(decodeCursor(secret, reordered, encodeCursor(secret, filter, position))).toEqual(position);
  });

  it('refuse a cursor whose payload was changed to other valid values, the signature kept', () => {
    const cursor = encodeCursor(secret, filter, position);
    const otherFilter: ClientFilter = { conn_state: 'disconnected' };
    const changes = [
      { field: 'p', value: position.page + 1, decoded: { ...position, page: position.page + 1 } },
      { field: 'a', value: orderKey(Date.UTC(2025, 0, 1), 'another-client'), decoded: { ...position, after: orderKey(Date.UTC(2025, 0, 1), 'another-client') } },
    ] as const;
    for (const { field, value, decoded } of changes) {
      const { payload, tampered } = withField(cursor, field, value);
      // Well-formed: signed properly, the same payload is a cursor for that position.
      expect(decodeCursor(secret, filter, signedWith(secret, payload))).toEqual(decoded);
      expectRefused(() => decodeCursor(secret, filter, tampered));
    }
    // Moved to another query's digest: refused for that query as well as for its own.
    const moved = withField(cursor, 'q', filterDigest(otherFilter));
    expect(decodeCursor(secret, otherFilter, signedWith(secret, moved.payload))).toEqual(position);
    expectRefused(() => decodeCursor(secret, otherFilter, moved.tampered));
    expectRefused(() => decodeCursor(secret, filter, moved.tampered));
  });

  it('refuse a cursor whose signature was changed', () => {
    const cursor = encodeCursor(secret, filter, position);
    expectRefused(() => decodeCursor(secret, filter, flip(cursor, cursor.length - 2)));
    expectRefused(() => decodeCursor(secret, filter, cursor.slice(0, -2)));
  });

  it('refuse a signature that is not in its canonical base64url text', () => {
    const cursor = encodeCursor(secret, filter, position);
    const [payload, signature] = cursor.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 16 bytes in 22 characters: the last one carries 4 unused bits, so 15 other characters decode to the same bytes.
    const last = alphabet.indexOf(signature.at(-1)!);
    const sameBytes = alphabet.split('').filter((c, i) => c !== signature.at(-1) && i >> 4 === last >> 4);
    expect(sameBytes).toHaveLength(15);
    for (const c of sameBytes) {
      const variant = `${signature.slice(0, -1)}${c}`;
      expect(Buffer.from(variant, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
      expectRefused(() => decodeCursor(secret, filter, `${payload}.${variant}`));
    }
    for (const padded of [`${signature}==`, `${signature}=`, Buffer.from(signature, 'base64url').toString('base64')]) {
      expectRefused(() => decodeCursor(secret, filter, `${payload}.${padded}`));
    }
    expect(decodeCursor(secret, filter, cursor)).toEqual(position);
  });

  it('refuse a cursor signed with another secret', () => {
    const foreign = encodeCursor('another-secret-0123456789', filter, position);
    // Same payload as our own cursor: only the signature tells them apart.
    expect(foreign.split('.')[0]).toBe(encodeCursor(secret, filter, position).split('.')[0]);
    expectRefused(() => decodeCursor(secret, filter, foreign));
  });

  it('refuse a cursor of another filter', () => {
    const cursor = encodeCursor(secret, filter, position);
    for (const other of [{}, { ...filter, conn_state: 'disconnected' }, { ...filter, usernames: ['alice'] }] as ClientFilter[]) {
      expectRefused(() => decodeCursor(secret, other, cursor));
    }
  });

  it('refuse what is not a cursor', () => {
    const cursor = encodeCursor(secret, filter, position);
    for (const bad of ['', '.', 'abc', `${cursor}.x`, `.${cursor.split('.')[1]}`, `${cursor.split('.')[0]}.`, '!!!.???']) {
      expectRefused(() => decodeCursor(secret, filter, bad));
    }
  });

  it('refuse a correctly signed payload that is not a position', () => {
    const signed = (body: unknown) => signedWith(secret, Buffer.from(JSON.stringify(body)).toString('base64url'));
    const q = filterDigest(filter);
    // The same scheme as encodeCursor, so the check below is on the body, not the signature.
    expect(decodeCursor(secret, filter, signed({ v: 1, q, a: 'k', p: 2 }))).toEqual({ after: 'k', page: 2 });
    for (const body of [{ v: 2, q, a: 'k', p: 2 }, { v: 1, q, a: 'k', p: 0 }, { v: 1, q, a: 7, p: 2 }, { v: 1, q, a: 'k', p: 1.5 }, null]) {
      expectRefused(() => decodeCursor(secret, filter, signed(body)));
    }
  });
});
