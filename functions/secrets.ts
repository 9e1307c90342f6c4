/** Secrets Manager reads for the credentials the functions keep in secrets (broker, EMQX API, ingest token). */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadSecretsManager } from './chunks.js';

/** Reads the secret's string each call; the client (a chunk) is loaded and made at the first read. */
export function secretStringReader(region: string, secretId: string): () => Promise<string | undefined> {
  let client: SecretsManagerClient | undefined;
  return async () => {
    const { GetSecretValueCommand, SecretsManagerClient } = await loadSecretsManager();
    client ??= new SecretsManagerClient({ region });
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  };
}
