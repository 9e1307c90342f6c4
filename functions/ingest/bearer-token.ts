/**
 * The shared secret brokers send as `Authorization: Bearer <token>` (EMQX
 * sends static headers; it cannot sign requests). Fixed from the environment,
 * or read from Secrets Manager and re-read every few minutes so a rotation
 * takes effect without a redeploy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { secretStringReader } from '../secrets.js';
import type { IngestTokenConfig } from '../config.js';
import { UnauthorizedError } from '../http/errors.js';

const REFRESH_MS = 5 * 60 * 1000;

export function ingestTokenSource(config: IngestTokenConfig): () => Promise<string> {
  if (config.token) {
    const fixed = config.token;
    return async () => fixed;
  }
  // The configuration loaders require one of the two.
  if (!config.tokenSecretArn) throw new Error('an ingest token or the ARN of its secret is required');
  const readSecret = secretStringReader(config.region, config.tokenSecretArn);
  let cached: { token: string; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < REFRESH_MS) return cached.token;
    const token = (await readSecret())?.trim();
    if (!token) throw new Error('the ingest token secret is empty');
    cached = { token, at: Date.now() };
    return token;
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time: hashing first makes the comparison independent of where the strings differ, and of their lengths. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token)) && match !== null;
}

export async function authorizeIngest(header: string | undefined, token: () => Promise<string>): Promise<void> {
  if (!bearerMatches(header, await token())) {
    throw new UnauthorizedError('missing or wrong ingest token: send Authorization: Bearer <token>', 'Bearer realm="ingest"');
  }
}
