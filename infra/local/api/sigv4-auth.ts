/**
 * SigV4 on the local stack: a request signed (service `execute-api`, as for
 * the deployed HTTP API) with the local key pair is recomputed with the same
 * library AWS's SDK signs with, and its signature compared in constant time.
 * So code that calls the deployed API with SigV4 runs unchanged against the
 * local stack. The signature must cover `host`, so that a request signed for
 * another name (DNS rebinding) cannot be replayed here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256, SIGV4_SERVICE } from '../../client/sigv4.js';

export type SigV4Key = { accessKeyId: string; secretAccessKey: string };

export type SignedRequest = {
  method: string;
  /** As sent: percent-encoded, without the query string. */
  rawPath: string;
  rawQueryString: string;
  headers: IncomingHttpHeaders;
  body: string;
};

/** How far a request's `x-amz-date` may be from the local clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;_.-]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export const isSigV4 = (authorization: string | undefined) => authorization?.startsWith('AWS4-HMAC-SHA256 ') ?? false;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function queryOf(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/** Whether the request carries a valid SigV4 signature made with `key` within the allowed clock skew. */
export async function verifySigV4(request: SignedRequest, key: SigV4Key, now = Date.now()): Promise<boolean> {
  const match = AUTHORIZATION.exec(header(request.headers, 'authorization') ?? '');
  if (!match) return false;
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (accessKeyId !== key.accessKeyId || service !== SIGV4_SERVICE) return false;
  const date = AMZ_DATE.exec(header(request.headers, 'x-amz-date') ?? '');
  if (!date || `${date[1]}${date[2]}${date[3]}` !== day) return false;
  const signedAt = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(date[4]), Number(date[5]), Number(date[6]));
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) return false;

  // A signed payload hash must be the body's: the signer trusts the header, so it is checked here.
  const payloadHash = header(request.headers, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body, 'utf8').digest('hex')) return false;

  const signedNames = signedHeaders!.split(';');
  if (!signedNames.includes('host')) return false;
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = header(request.headers, name);
    if (value === undefined) return false;
    headers[name] = value;
  }
  const signer = new SignatureV4({ service: SIGV4_SERVICE, region: region!, credentials: key, sha256: Sha256 });
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: (headers.host ?? '').replace(/:\d+$/, ''),
      path: request.rawPath,
      query: queryOf(request.rawQueryString),
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signingRegion: region!, signingService: SIGV4_SERVICE },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(recomputed.headers.authorization ?? ''))?.[1];
  return expected !== undefined && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
}
