/** Calling an EMQX cluster's REST API: HTTP Basic with its API credentials, and one time bound per call. */
import type { EmqxApiCredentials, EmqxCredentialsSource } from './api-credentials.js';

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
export async function callEmqxApi(
  target: EmqxApiTarget,
  method: 'GET' | 'DELETE' | 'POST',
  path: string,
  signal: AbortSignal,
  /** Sent as JSON. */
  body?: unknown,
): Promise<EmqxApiAnswer> {
  const url = `${target.baseUrl.replace(/\/+$/, '')}${path}`;
  const json = body === undefined ? undefined : JSON.stringify(body);
  let credentials = await bounded(target.credentials(), signal, method, path);
  let answer = await request(url, method, path, credentials, signal, json);
  if (answer.status === 401) {
    const fresh = await bounded(target.credentials({ refresh: true }), signal, method, path);
    if (fresh.key !== credentials.key || fresh.secret !== credentials.secret) {
      credentials = fresh;
      answer = await request(url, method, path, credentials, signal, json);
    }
  }
  return answer;
}

async function request(
  url: string,
  method: string,
  path: string,
  credentials: EmqxApiCredentials,
  signal: AbortSignal,
  json: string | undefined,
): Promise<EmqxApiAnswer> {
  const authorization = `Basic ${Buffer.from(`${credentials.key}:${credentials.secret}`, 'utf8').toString('base64')}`;
  const headers: Record<string, string> = { authorization, accept: 'application/json', ...(json !== undefined ? { 'content-type': 'application/json' } : {}) };
  try {
    const response = await fetch(url, { method, headers, signal, ...(json !== undefined ? { body: json } : {}) });
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
