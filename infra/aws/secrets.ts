/** The stack's secrets: generated ones, imported ones, and the one way a function is let read one. */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TeamFunction } from './team-function.js';

/** A 64-character random secret the stack owns, with why it is not rotated (cdk-nag AwsSolutions-SMG4). */
export function generatedSecret(scope: Construct, id: string, description: string, whyNoRotation: string): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, {
    description,
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyNoRotation });
  return secret;
}

/** The given secret, or the one its complete ARN names; exactly one of them. */
export function givenSecret(
  scope: Construct,
  id: string,
  secret: secretsmanager.ISecret | undefined,
  arn: string | undefined,
  what: string,
): secretsmanager.ISecret {
  if (secret && arn) throw new Error(`Give the ${what} secret or its ARN, not both`);
  if (secret) return secret;
  if (arn) return secretsmanager.Secret.fromSecretCompleteArn(scope, id, arn);
  throw new Error(`ClientsApi needs the ${what} secret (or its ARN)`);
}

/** Lets `fn` read `secret` (and decrypt it, when its key is a customer's), under statement id `sid`. */
export function grantSecretRead(fn: TeamFunction, sid: string, secret: secretsmanager.ISecret): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid,
      actions: ['secretsmanager:GetSecretValue'],
      // An imported secret known by its partial ARN matches any suffix.
      resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    }),
  );
  secret.encryptionKey?.grantDecrypt(fn);
}
