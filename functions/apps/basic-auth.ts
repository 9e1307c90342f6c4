/** HTTP Basic authentication (RFC 7617) against one app id and secret, as EMQX 4's API takes them. */
import { createHash, timingSafeEqual } from 'node:crypto';

export type AppCredentials = { appId: string; appSecret: string };

export const BASIC_CHALLENGE = 'Basic realm="clients-api", charset="UTF-8"';

function same(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The id and secret of an `Authorization: Basic …` header, or undefined if it is not one. */
export function parseBasicAuth(header: string | undefined): AppCredentials | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { appId: decoded.slice(0, colon), appSecret: decoded.slice(colon + 1) };
}

export function isAuthorized(header: string | undefined, expected: AppCredentials): boolean {
  const given = parseBasicAuth(header);
  if (!given) return false;
  // Both compared, always, so the time taken does not tell which one was wrong.
  const idMatches = same(given.appId, expected.appId);
  const secretMatches = same(given.appSecret, expected.appSecret);
  return idMatches && secretMatches;
}
