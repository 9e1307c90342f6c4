/** Broker credentials for the control channel: from Secrets Manager when configured, else from the environment. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../validation/zod.js';
import type { ControlConfig } from '../config.js';
import type { BrokerCredentials } from './mqtt-channel.js';

const secretSchema = z.object({ username: z.optional(z.string()), password: z.optional(z.string()) });

export function credentialsSource(config: ControlConfig): () => Promise<BrokerCredentials> {
  const arn = config.credentialsSecretArn;
  if (!arn) {
    const fixed: BrokerCredentials = {
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    };
    return async () => fixed;
  }
  const client = new SecretsManagerClient({ region: config.region });
  return async () => {
    const secret = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const parsed = secretSchema.safeParse(JSON.parse(secret.SecretString ?? '{}'));
    if (!parsed.success) throw new Error('the control channel secret must be JSON {"username", "password"}');
    return parsed.data as BrokerCredentials;
  };
}
