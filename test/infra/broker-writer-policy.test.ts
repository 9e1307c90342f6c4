/**
 * `broker=mqtt`: the stack's managed policy for broker nodes running the
 * session writer (`npm run broker`), and its output. Least privilege: the
 * writer's item actions on the sessions table, Query on the two indexes it
 * walks, no Scan, no Delete, nothing on other resources.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
};
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function synth(broker: string): Template {
  const app = new App({ context: { broker, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'WriterPolicy');
  return app.synth().getStackArtifact(stack.artifactId).template as Template;
}

describe('the broker writer policy', () => {
  it('is an output of a broker=mqtt stack, granting the writer and its reconciliation only', { timeout: 120_000 }, () => {
    const template = synth('mqtt');
    const ref = template.Outputs?.BrokerWriterPolicyArn?.Value as { Ref: string } | undefined;
    expect(ref?.Ref).toBeDefined();
    const policy = template.Resources[ref!.Ref]!;
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    const statements = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain('ClientsApiSessionsTable916A234C');
    expect(resources).toContain('/index/by-conn-state');
    expect(resources).toContain('/index/by-expiry');
    expect(resources).not.toMatch(/"\*"|AppsTable/);
    // Attached to nothing: it is for the broker nodes' own role.
    expect(policy.Properties!.Roles).toBeUndefined();
  });

  it('is not created for brokers that feed the table otherwise', { timeout: 120_000 }, () => {
    for (const broker of ['emqx5', 'aws-iot']) {
      const template = synth(broker);
      expect(template.Outputs?.BrokerWriterPolicyArn).toBeUndefined();
      expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::IAM::ManagedPolicy')).toBe(false);
    }
  });
});
