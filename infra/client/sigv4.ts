/**
 * SigV4 signing of API requests (service `execute-api`, as API Gateway's IAM
 * authorization checks it) with AWS's own signer, and the default AWS
 * credential chain (environment, SSO, shared config and credentials files,
 * web identity, ECS and EC2 roles) when no key is given.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export const SIGV4_SERVICE = 'execute-api';

/** SHA-256, or HMAC-SHA-256 with a secret, from node:crypto in the shape the signer takes. */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('a digest is used once');
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The region of an API Gateway URL (`https://{id}.execute-api.{region}.amazonaws.com`), if it is one. */
export function regionOfUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}

export type SigV4Options = {
  region: string;
  /** `execute-api` (API Gateway) unless told. */
  service?: string;
  /** Sign an `x-amz-content-sha256` header with the body's hash (the default; optional for execute-api). */
  applyChecksum?: boolean;
  /** A fixed key, or a provider; the default credential chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
};

export type RequestToSign = {
  method: string;
  url: URL;
  /** Path as sent, percent-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  body?: string;
  headers: Record<string, string>;
  signingDate?: Date;
};

export function sigV4Signer(options: SigV4Options): (request: RequestToSign) => Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: options.service ?? SIGV4_SERVICE,
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  return async (request) => {
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port ? { port: Number(request.url.port) } : {}),
        path: request.path,
        query: request.query,
        headers: { ...request.headers, host: request.url.host },
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      request.signingDate ? { signingDate: request.signingDate } : {},
    );
    // fetch sets Host itself, from the same URL.
    const { host: _host, ...headers } = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return headers;
  };
}
