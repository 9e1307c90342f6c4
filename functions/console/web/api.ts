/**
 * Calls to the API's `/api/v5` routes with the signed-in app's credentials.
 * Every failure becomes an ApiFailure whose message a person can act on.
 */
import { basicHeader, savedCredentials, type Credentials } from './session.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The credentials were refused (wrong, revoked or malformed), as opposed to a role that may not do this. */
  get isSignedOut(): boolean {
    return this.status === 401 || (this.status === 403 && this.code !== 'UNAUTHORIZED_ROLE');
  }
}

export type ClientRecord = Record<string, unknown> & { clientid: string };
export type ListPage = { data: ClientRecord[]; meta: { count?: number; cursor?: string; hasnext?: boolean; page?: number } };

function explain(status: number, code: string, message: string): string {
  if (status === 401 || (status === 403 && code !== 'UNAUTHORIZED_ROLE')) return 'The app id or secret is wrong, or the app was revoked.';
  if (code === 'UNAUTHORIZED_ROLE') return 'This app is a viewer: it may look, not kick.';
  if (status === 429) return 'Too many requests: wait a moment and retry.';
  if (status === 503) return `The service is busy or the broker is unreachable: retry in a moment. ${message}`.trim();
  return message || `The API answered ${status}.`;
}

export async function call<T>(method: string, path: string, options: { body?: unknown; credentials?: Credentials } = {}): Promise<{ status: number; body: T }> {
  const credentials = options.credentials ?? savedCredentials();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credentials) headers.authorization = basicHeader(credentials);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      // No cookies and no HTTP auth of the browser's: a 401 with a Basic challenge then never opens its login prompt.
      credentials: 'omit',
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'The API cannot be reached: check the connection and retry.');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body ?? {}) as { code?: unknown; message?: unknown };
    const code = String(error.code ?? response.status);
    throw new ApiFailure(response.status, code, explain(response.status, code, typeof error.message === 'string' ? error.message : ''));
  }
  return { status: response.status, body: body as T };
}

export const clientPath = (clientid: string) => `/api/v5/clients/${encodeURIComponent(clientid)}`;

/**
 * Whether these credentials may kick. A bulk kick of no clients changes
 * nothing: an administrator is told the body is wrong (400), a viewer is
 * refused for its role (403) before the body is read.
 */
export async function mayKick(credentials?: Credentials): Promise<boolean> {
  try {
    await call('POST', '/api/v5/clients/kickout/bulk', { body: [], ...(credentials ? { credentials } : {}) });
    return true;
  } catch (error) {
    if (error instanceof ApiFailure && error.code === 'UNAUTHORIZED_ROLE') return false;
    if (error instanceof ApiFailure && error.status === 400) return true;
    throw error;
  }
}
