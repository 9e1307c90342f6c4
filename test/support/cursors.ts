/**
 * Cursors changed the way a caller could change them without knowing the
 * secret: one field of the payload set to another well-formed value, the
 * original signature kept. Only the signature check can tell them apart.
 */
import { createHmac } from 'node:crypto';

export type CursorBody = { v: number; q: string; a: string; p: number };

export function cursorBody(cursor: string): CursorBody {
  const [payload] = cursor.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as CursorBody;
}

/** `cursor` with `field` of its payload set to `value`, the signature kept; and that payload alone. */
export function withField<F extends keyof CursorBody>(cursor: string, field: F, value: CursorBody[F]): { payload: string; tampered: string } {
  const [, signature] = cursor.split('.');
  const payload = Buffer.from(JSON.stringify({ ...cursorBody(cursor), [field]: value })).toString('base64url');
  return { payload, tampered: `${payload}.${signature}` };
}

/** `payload` signed with `secret` the way the API signs its cursors (HMAC-SHA256, first 16 bytes). */
export function signedWith(secret: string, payload: string): string {
  return `${payload}.${createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url')}`;
}
