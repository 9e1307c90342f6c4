/**
 * A stack deployed today must update in place: CloudFormation replaces a
 * resource whose logical ID changes, and a replaced table or secret loses its
 * data. These are the logical IDs of the stateful resources, for each broker
 * kind, as literals: a refactoring that moves a construct must keep them.
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks`): logical IDs do not depend
 * on the bundles.
 */
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Resources = Record<string, { Type: string; DeletionPolicy?: string }>;

const STATEFUL_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::SecretsManager::Secret',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Stage',
]);

/** Present whatever the broker kind. */
const COMMON: Record<string, string> = {
  ClientsApiSessionsTable916A234C: 'AWS::DynamoDB::Table',
  ClientsApiAppsTable9D8AE34D: 'AWS::DynamoDB::Table',
  ClientsApiCursorSecret5DD047D6: 'AWS::SecretsManager::Secret',
  ClientsApiHttpApi829BDDFB: 'AWS::ApiGatewayV2::Api',
  ClientsApiDefaultStage42BA45F6: 'AWS::ApiGatewayV2::Stage',
};

const EMQX: Record<string, string> = {
  ...COMMON,
  ClientsApiIngestToken43E623B6: 'AWS::SecretsManager::Secret',
  // The stack's placeholder for the EMQX API credentials (no -c emqxApiSecretArn).
  EmqxApiCredentials3D72CF86: 'AWS::SecretsManager::Secret',
};

const EXPECTED: Record<string, Record<string, string>> = {
  // The stack's placeholder for the control credentials (no -c controlSecretArn).
  mqtt: { ...COMMON, ControlCredentials55C737C7: 'AWS::SecretsManager::Secret' },
  emqx5: EMQX,
  emqx4: EMQX,
  // The default delivery, the rules' batched HTTP action, authenticates with a token of its own.
  'aws-iot': { ...COMMON, ClientsApiIotEventsTokenAD7BD974: 'AWS::SecretsManager::Secret' },
};

function statefulResources(broker: string): Resources {
  const app = new App({ context: { broker, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'LogicalIds');
  const resources = app.synth().getStackArtifact(stack.artifactId).template.Resources as Resources;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => STATEFUL_TYPES.has(r.Type)));
}

describe.each(Object.keys(EXPECTED))('logical IDs of the stateful resources, broker %s', (broker) => {
  const resources = statefulResources(broker);

  it('are exactly those deployed stacks hold', () => {
    const types = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
    expect(types).toEqual(EXPECTED[broker]);
  });

  it('keep both tables on stack deletion or replacement', () => {
    const tables = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(table.DeletionPolicy).toBe('Retain');
  });
});
