/** The Secrets Manager client: needed only when a secret is first read. */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
