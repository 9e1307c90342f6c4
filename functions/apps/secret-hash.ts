/**
 * App secrets are kept only as a slow, salted hash (scrypt from node:crypto);
 * the parameters are stored with the hash so they can be raised later
 * without breaking existing apps.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export type SecretHash = { algorithm: 'scrypt'; N: number; r: number; p: number; salt: string; hash: string };

/** About 50 ms and 16 MB per check on a Lambda core: slow for guessing, cheap behind the authorizer's cache. */
export const SCRYPT_PARAMETERS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<SecretHash> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, SCRYPT_PARAMETERS);
  return { algorithm: 'scrypt', ...SCRYPT_PARAMETERS, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** Constant-time comparison of the derived key; a malformed record never matches. */
export async function secretMatches(secret: string, stored: SecretHash): Promise<boolean> {
  if (stored.algorithm !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(secret, Buffer.from(stored.salt, 'base64'), { N: stored.N, r: stored.r, p: stored.p });
  return timingSafeEqual(key, expected);
}
