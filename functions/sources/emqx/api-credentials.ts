/**
 * Calling an EMQX cluster's REST API: its API key and secret (fixed, or a
 * Secrets Manager secret `{"key","secret"}` read once per warm instance and
 * read again after a 401, so a rotated secret is picked up), HTTP Basic
 * authentication, and one time bound per call.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

export type EmqxApiCredentials = { key: string; secret: string };

/** Gives the credentials; `{ refresh: true }` reads a stored secret again (after the broker answered 401). */
export type EmqxCredentialsSource = (options?: { refresh?: boolean }) => Promise<EmqxApiCredentials>;

const secretSchema = z.object({ key: z.string().min(1), secret: z.string().min(1) });

export function emqxApiCredentials(config: { key?: string | undefined; secret?: string | undefined; secretArn?: string | undefined; region: string }): EmqxCredentialsSource {
  const arn = config.secretArn;
  if (!arn) {
    if (!config.key || !config.secret) throw new Error('the EMQX API needs a key and a secret, or a secret ARN');
    const fixed = { key: config.key, secret: config.secret };
    return async () => fixed;
  }
  const client = new SecretsManagerClient({ region: config.region });
  let cached: Promise<EmqxApiCredentials> | undefined;
  const read = async (): Promise<EmqxApiCredentials> => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    let json: unknown;
    try {
      json = JSON.parse(answer.SecretString ?? '');
    } catch {
      json = undefined;
    }
    const parsed = secretSchema.safeParse(json);
    if (!parsed.success) throw new Error('the EMQX API secret must be JSON {"key": "...", "secret": "..."}');
    return parsed.data;
  };
  return (options) => {
    if (!cached || options?.refresh) {
      cached = read().catch((error: unknown) => {
        // A failed read is not kept: the next call tries again.
        cached = undefined;
        throw error;
      });
    }
    return cached;
  };
}

/** The API could not be asked or answered with something unusable; the message names what happened, never a secret. */
export class EmqxApiError extends Error {
  override readonly name = 'EmqxApiError';
}

export type EmqxApiAnswer = {
  status: number;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
};

export type EmqxApiTarget = { baseUrl: string; credentials: EmqxCredentialsSource };

/**
 * One request, bounded by `signal` from connect to the last byte of the
 * answer. After a 401 it asks once more if re-read credentials differ from
 * the ones refused. Any HTTP status is returned; only a failure to get an
 * answer throws.
 */
export async function callEmqxApi(target: EmqxApiTarget, method: 'GET' | 'DELETE', path: string, signal: AbortSignal): Promise<EmqxApiAnswer> {
  const url = `${target.baseUrl.replace(/\/+$/, '')}${path}`;
  let credentials = await bounded(target.credentials(), signal, method, path);
  let answer = await request(url, method, path, credentials, signal);
  if (answer.status === 401) {
    const fresh = await bounded(target.credentials({ refresh: true }), signal, method, path);
    if (fresh.key !== credentials.key || fresh.secret !== credentials.secret) {
      credentials = fresh;
      answer = await request(url, method, path, credentials, signal);
    }
  }
  return answer;
}

async function request(url: string, method: string, path: string, credentials: EmqxApiCredentials, signal: AbortSignal): Promise<EmqxApiAnswer> {
  const authorization = `Basic ${Buffer.from(`${credentials.key}:${credentials.secret}`, 'utf8').toString('base64')}`;
  try {
    const response = await fetch(url, { method, headers: { authorization, accept: 'application/json' }, signal });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) };
  } catch (error) {
    throw new EmqxApiError(`${method} ${path}: ${describeFailure(error, signal)}`);
  }
}

/** Waits for `promise` (credentials from Secrets Manager) no longer than the call's bound. */
async function bounded<T>(promise: Promise<T>, signal: AbortSignal, method: string, path: string): Promise<T> {
  if (signal.aborted) throw new EmqxApiError(`${method} ${path}: ${describeFailure(signal.reason, signal)}`);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new EmqxApiError(`${method} ${path}: ${describeFailure(signal.reason, signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      promise.catch((error: unknown) => {
        throw new EmqxApiError(`${method} ${path}: could not read the API credentials (${(error as Error).message})`);
      }),
      aborted,
    ]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? 'no answer in time' : 'cancelled';
  }
  // undici reports network failures as `TypeError: fetch failed` with the system error as cause.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `unreachable (${cause.code})`;
  return `request failed (${cause?.message ?? (error as Error).message})`;
}
