/**
 * App secrets are kept only as a keyed hash: HMAC-SHA-256 of the secret under
 * a random per-record salt. The secrets are random 256-bit tokens made by
 * `npm run apps`, not passwords a person chose: nothing is gained by a slow
 * hash, and each guess at the authorizer would cost the slow hash's time and
 * memory. Records hashed by the earlier scheme (scrypt, its parameters kept
 * in the record) still verify until the app is replaced.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export type HmacSecretHash = { algorithm: 'hmac-sha256'; salt: string; hash: string };
/** The earlier scheme: verified, never written. */
export type ScryptSecretHash = { algorithm: 'scrypt'; N: number; r: number; p: number; salt: string; hash: string };
export type SecretHash = HmacSecretHash | ScryptSecretHash;

const KEY_BYTES = 32;
const SALT_BYTES = 16;

const hmac = (secret: string, salt: Buffer) => createHmac('sha256', salt).update(secret, 'utf8').digest();

function scryptKey(secret: string, stored: ScryptSecretHash): Promise<Buffer> {
  const options = { N: stored.N, r: stored.r, p: stored.p, maxmem: 64 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(secret, Buffer.from(stored.salt, 'base64'), KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export function hashSecret(secret: string): HmacSecretHash {
  const salt = randomBytes(SALT_BYTES);
  return { algorithm: 'hmac-sha256', salt: salt.toString('base64'), hash: hmac(secret, salt).toString('base64') };
}

/** Constant-time comparison of the keyed hash; a malformed record or an unknown algorithm never matches. */
export async function secretMatches(secret: string, stored: SecretHash): Promise<boolean> {
  if (typeof stored?.hash !== 'string' || typeof stored.salt !== 'string') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  if (expected.length !== KEY_BYTES) return false;
  switch (stored.algorithm) {
    case 'hmac-sha256':
      return timingSafeEqual(hmac(secret, Buffer.from(stored.salt, 'base64')), expected);
    case 'scrypt':
      return timingSafeEqual(await scryptKey(secret, stored), expected);
    default:
      return false;
  }
}
