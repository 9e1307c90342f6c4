/**
 * What `cdk deploy -c …` takes as an operator copies it: the AWS IoT data
 * endpoint as `aws iot describe-endpoint` prints it, and, for an EMQX source
 * without a credentials secret of its own, the secret the stack creates as an
 * output to fill in. Bundling is skipped: none of this depends on the bundles.
 */
import { describe, expect, it } from 'vitest';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { checkClientsApiProps } from '../../infra/aws/props-check.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;

const HOST = 'abc123-ats.iot.eu-west-1.amazonaws.com';

function synth(context: Record<string, string>) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'Deployed');
  const template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json);
  const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const envOf = (construct: IConstruct) => {
    const fn = (template.findResources('AWS::Lambda::Function') as Record<string, { Properties: Json }>)[idOf(construct)]!;
    return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  };
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
  return { stack, template, idOf, envOf, outputs };
}

const SYNTH_TIMEOUT = 240_000;

describe('iotDataEndpoint', () => {
  it(
    'gives the kick function https://<host> for the host describe-endpoint prints',
    () => {
      const s = synth({ broker: 'aws-iot', iotDataEndpoint: HOST });
      expect(s.envOf(s.stack.clientsApi.kickClientFunction).IOT_DATA_ENDPOINT).toBe(`https://${HOST}`);
    },
    SYNTH_TIMEOUT,
  );

  it.each([HOST, `https://${HOST}`, `https://${HOST}/`])('is checked and made a URL for the construct too: %s', (endpoint) => {
    expect(checkClientsApiProps({ broker: { kind: 'aws-iot', iotDataEndpoint: endpoint } }).broker).toMatchObject({ iotDataEndpoint: `https://${HOST}` });
  });

  it.each([`http://${HOST}`, `${HOST}/things`, 'arn:aws:iot:eu-west-1:123456789012:endpoint', 'abc123-ats iot', 'http://127.0.0.1:4000'])(
    'fails the synth for %s, saying what it takes',
    (endpoint) => {
      expect(() => synth({ broker: 'aws-iot', iotDataEndpoint: endpoint })).toThrow(
        `iotDataEndpoint must be the host aws iot describe-endpoint --endpoint-type iot:Data-ATS prints (abc123-ats.iot.eu-west-1.amazonaws.com) or an https:// URL of it, got "${endpoint}"`,
      );
    },
  );

  it(
    'leaves IOT_DATA_ENDPOINT unset when not given, and outputs no EMQX secret',
    () => {
      const s = synth({ broker: 'aws-iot' });
      expect(s.envOf(s.stack.clientsApi.kickClientFunction)).not.toHaveProperty('IOT_DATA_ENDPOINT');
      expect(checkClientsApiProps({ broker: { kind: 'aws-iot' } }).broker).not.toHaveProperty('iotDataEndpoint');
      expect(s.outputs).not.toHaveProperty('EmqxApiCredentialsSecretArn');
    },
    SYNTH_TIMEOUT,
  );
});

describe('the EMQX API credentials secret', () => {
  it.each(['emqx5', 'emqx4'])(
    'is an output when the stack creates it (%s), the secret the functions read',
    (broker) => {
      const s = synth({ broker, emqxApiUrl: 'https://emqx.internal:18084' });
      const secretId = s.idOf(s.stack.clientsApi.brokerApiCredentialsSecret!);
      expect((s.template.toJSON().Resources as Record<string, Json>)[secretId]!.Type).toBe('AWS::SecretsManager::Secret');
      expect(s.outputs.EmqxApiCredentialsSecretArn!.Value).toEqual({ Ref: secretId });
      expect(s.envOf(s.stack.clientsApi.kickClientFunction).EMQX_API_CREDENTIALS_SECRET_ARN).toEqual({ Ref: secretId });
      expect(s.envOf(s.stack.clientsApi.reconcileFunction!).EMQX_API_CREDENTIALS_SECRET_ARN).toEqual({ Ref: secretId });
    },
    SYNTH_TIMEOUT,
  );

  it(
    'is the given ARN when -c emqxApiSecretArn is given, and no secret is created for it',
    () => {
      const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf';
      const s = synth({ broker: 'emqx5', emqxApiUrl: 'https://emqx.internal:18084', emqxApiSecretArn: arn });
      expect(s.outputs.EmqxApiCredentialsSecretArn!.Value).toBe(arn);
      const descriptions = Object.values(s.template.findResources('AWS::SecretsManager::Secret') as Record<string, { Properties: Json }>).map((r) => String(r.Properties.Description));
      expect(descriptions.filter((d) => d.includes('REST API credentials'))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );
});

describe('sessionShards', () => {
  const shardWarnings = (s: ReturnType<typeof synth>) =>
    Annotations.fromStack(s.stack)
      .findWarning('*', Match.stringLikeRegexp('sessionShards'))
      .map((w) => String(w.entry.data));

  it(
    'warns, when not given, that a deployed table keeps its shards, naming the ones derived and the earlier default',
    () => {
      const s = synth({ broker: 'aws-iot' });
      expect(s.envOf(s.stack.clientsApi.ingestFunction!).SESSION_SHARDS).toBe('16');
      expect(shardWarnings(s)).toEqual([expect.stringMatching(/16 shards from fleetSize.*-c sessionShards=8/)]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'sets the given shards, without a warning',
    () => {
      const s = synth({ broker: 'aws-iot', sessionShards: '8' });
      expect(s.envOf(s.stack.clientsApi.ingestFunction!).SESSION_SHARDS).toBe('8');
      expect(shardWarnings(s)).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );
});
