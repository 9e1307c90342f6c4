/** Broker credentials for the control channel: from Secrets Manager when configured, else from the environment. */
import { secretStringReader } from '../secrets.js';
import type { ControlConfig } from '../config.js';
import type { BrokerCredentials } from './mqtt-channel.js';

/**
 * The secret's `{"username"?, "password"?}`, other keys dropped; undefined if it is not that shape.
 * Checked by hand: this module loads at the first kick, where a validator library would weigh on the bundle.
 */
function brokerCredentialsOf(json: unknown): BrokerCredentials | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { username, password } = json as Record<string, unknown>;
  if ((username !== undefined && typeof username !== 'string') || (password !== undefined && typeof password !== 'string')) return undefined;
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

export function credentialsSource(config: ControlConfig): () => Promise<BrokerCredentials> {
  const arn = config.credentialsSecretArn;
  if (!arn) {
    const fixed: BrokerCredentials = {
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    };
    return async () => fixed;
  }
  const readSecret = secretStringReader(config.region, arn);
  return async () => {
    const credentials = brokerCredentialsOf(JSON.parse((await readSecret()) ?? '{}'));
    if (!credentials) throw new Error('the control channel secret must be JSON {"username", "password"}');
    return credentials;
  };
}
