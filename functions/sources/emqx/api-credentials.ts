/**
 * The key and secret of an EMQX cluster's REST API: fixed, or a Secrets
 * Manager secret `{"key","secret"}` read once per warm instance and read
 * again after a 401, so a rotated secret is picked up.
 */
import { secretStringReader } from '../../secrets.js';

export type EmqxApiCredentials = { key: string; secret: string };

/** Gives the credentials; `{ refresh: true }` reads a stored secret again (after the broker answered 401). */
export type EmqxCredentialsSource = (options?: { refresh?: boolean }) => Promise<EmqxApiCredentials>;

/**
 * The secret's `{"key", "secret"}`, both non-empty strings, other keys dropped; undefined if it is not that shape.
 * Checked by hand: this module loads at the first call, where a validator library would weigh on the bundle.
 */
function apiCredentialsOf(json: unknown): EmqxApiCredentials | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { key, secret } = json as Record<string, unknown>;
  return typeof key === 'string' && key !== '' && typeof secret === 'string' && secret !== '' ? { key, secret } : undefined;
}

/** From an EMQX API's configuration (EmqxApiConfig) as it stands: key and secret, or the ARN of a secret holding them. */
export function emqxApiCredentials(config: { key?: string | undefined; secret?: string | undefined; credentialsSecretArn?: string | undefined; region: string }): EmqxCredentialsSource {
  const arn = config.credentialsSecretArn;
  if (!arn) {
    if (!config.key || !config.secret) throw new Error('the EMQX API needs a key and a secret, or a secret ARN');
    const fixed = { key: config.key, secret: config.secret };
    return async () => fixed;
  }
  const readSecret = secretStringReader(config.region, arn);
  let cached: Promise<EmqxApiCredentials> | undefined;
  const read = async (): Promise<EmqxApiCredentials> => {
    const secret = await readSecret();
    let json: unknown;
    try {
      json = JSON.parse(secret ?? '');
    } catch {
      json = undefined;
    }
    const credentials = apiCredentialsOf(json);
    if (!credentials) throw new Error('the EMQX API secret must be JSON {"key": "...", "secret": "..."}');
    return credentials;
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
