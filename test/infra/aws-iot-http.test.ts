/**
 * The `http` delivery of AWS IoT lifecycle events as synthesized from
 * `cdk deploy -c broker=aws-iot -c iotDelivery=http`: two rules with the
 * batched HTTP action to the ingest function's URL, the URL's topic rule
 * destination, no queue, and an ingest function allowed nothing of IoT.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { AWS_IOT_RULE_SQL } from '../../infra/aws/clients-api.js';
import { expectedBatchFill, IOT_HTTP_BATCH } from '../../infra/aws/brokers/aws-iot-http.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const props = (resource: Json) => resource.Properties as Json;

let stack: ClientsApiStack;
let template: Template;
const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const resources = (type: string) => Object.entries(template.findResources(type) as Record<string, Json>);

beforeAll(() => {
  const app = new App({ context: { broker: 'aws-iot', iotDelivery: 'http' } });
  stack = new ClientsApiStack(app, 'IotHttpDelivery');
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json);
}, 120_000);

describe('AWS IoT events through the batched HTTP action', () => {
  it('posts both rules\' events in batches of ten, across topics, with the bearer token from its secret, to the function URL', () => {
    const ingestId = idOf(stack.clientsApi.ingestFunction!);
    const [[urlId, url]] = resources('AWS::Lambda::Url') as [[string, Json]];
    expect(props(url)).toMatchObject({ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [ingestId, 'Arn'] } });
    const [[tokenId]] = resources('AWS::SecretsManager::Secret').filter(([id]) => id.includes('IotEventsToken')) as [[string, Json]];

    const rules = resources('AWS::IoT::TopicRule').map(([, r]) => props(r).TopicRulePayload as Json);
    expect(rules.map((r) => r.Sql).sort()).toEqual([AWS_IOT_RULE_SQL.presence, AWS_IOT_RULE_SQL.subscriptions].sort());
    for (const rule of rules) {
      const actions = rule.Actions as Json[];
      expect(actions).toHaveLength(1);
      const http = actions[0]!.Http as Json;
      expect(http).toMatchObject({
        Url: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] },
        ConfirmationUrl: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] },
        EnableBatching: true,
        BatchConfig: { MaxBatchSize: 10, MaxBatchOpenMs: IOT_HTTP_BATCH.maxBatchOpenMs, MaxBatchSizeBytes: 5120, BatchAcrossTopics: true },
      });
      const header = JSON.stringify(http.Headers);
      expect(header).toContain('"Key":"Authorization"');
      expect(header).toContain('Bearer {{resolve:secretsmanager:');
      expect(header).toContain(tokenId);
      // No role: the action signs nothing and reads nothing.
      expect(http).not.toHaveProperty('Auth');
      expect(JSON.stringify(rule.ErrorAction)).toContain(idOf(stack.clientsApi.deadLetterQueue));
    }
  });

  it('declares the URL\'s destination, left for the function to confirm, and makes the rules wait for it', () => {
    const [[urlId]] = resources('AWS::Lambda::Url') as [[string, Json]];
    const destinations = resources('AWS::IoT::TopicRuleDestination');
    expect(destinations).toHaveLength(1);
    const [destinationId, destination] = destinations[0]!;
    expect(props(destination)).toEqual({ HttpUrlProperties: { ConfirmationUrl: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } } });
    for (const [, rule] of resources('AWS::IoT::TopicRule')) expect(asArray(rule.DependsOn as string | string[])).toContain(destinationId);
  });

  it('creates no events queue, and nothing polls for the ingest function', () => {
    expect(stack.clientsApi.iotEventsQueue).toBeUndefined();
    expect(resources('AWS::SQS::Queue').map(([id]) => id)).toEqual([idOf(stack.clientsApi.deadLetterQueue)]);
    const ingestId = idOf(stack.clientsApi.ingestFunction!);
    expect(resources('AWS::Lambda::EventSourceMapping').filter(([, m]) => JSON.stringify(props(m).FunctionName).includes(ingestId))).toEqual([]);
  });

  it('lets the ingest function read its token secret and write sessions, nothing of IoT or SQS, and no wildcard resource', () => {
    const fn = stack.clientsApi.ingestFunction!;
    const roleId = idOf(fn.executionRole);
    const statements = resources('AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify(props(r).Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, r]) => asArray((props(r).PolicyDocument as Json).Statement as Statement | Statement[]));
    const actions = statements.flatMap((st) => asArray(st.Action));
    expect(actions.filter((a) => a.startsWith('iot:') || a.startsWith('sqs:'))).toEqual([]);
    expect(statements.flatMap((st) => asArray(st.Resource))).not.toContain('*');
    const secretReads = statements.filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
    expect(secretReads).toHaveLength(1);
    expect(JSON.stringify(secretReads[0]!.Resource)).toContain('IotEventsToken');

    const [, ingest] = resources('AWS::Lambda::Function').find(([id]) => id === idOf(fn))!;
    const env = (props(ingest).Environment as Json).Variables as Json;
    expect(env).toMatchObject({ AWS_IOT_DELIVERY: 'http', INGEST_TOKEN_SECRET_ARN: expect.anything() });
    expect(JSON.stringify(env.INGEST_TOKEN_SECRET_ARN)).toContain('IotEventsToken');
  });

  it('lets only the function URL\'s public invocation in, no IoT invoke permission', () => {
    const permissions = resources('AWS::Lambda::Permission').map(([, r]) => props(r));
    expect(permissions.filter((p) => p.Principal === 'iot.amazonaws.com')).toHaveLength(0);
    const urlInvokes = permissions.filter((p) => p.Action === 'lambda:InvokeFunctionUrl');
    expect(urlInvokes).toEqual([expect.objectContaining({ Principal: '*', FunctionUrlAuthType: 'NONE' })]);
  });

  it('refuses an unknown delivery in the context', () => {
    const app = new App({ context: { broker: 'aws-iot', iotDelivery: 'kinesis' } });
    expect(() => new ClientsApiStack(app, 'IotBadDelivery')).toThrow(/iotDelivery must be queue or http/);
  });
});

describe('the batch a fleet fills', () => {
  it('holds the events of its window, one at least and ten at most', () => {
    expect(IOT_HTTP_BATCH.maxBatchOpenMs).toBe(200);
    expect(expectedBatchFill(0)).toBe(1);
    // 1M devices reconnecting once a day: 23 events a second, 4.6 more in a 200 ms window.
    expect(expectedBatchFill((1_000_000 * 2) / 86_400)).toBeCloseTo(1 + (2_000_000 / 86_400) * 0.2, 9);
    expect(expectedBatchFill(45)).toBe(10);
    expect(expectedBatchFill(10_000)).toBe(10);
  });
});

describe('AWS IoT events by default', () => {
  it('go through the batched HTTP action to the function URL, with no queue', () => {
    const app = new App({ context: { broker: 'aws-iot' } });
    const stack = new ClientsApiStack(app, 'IotDefaultDelivery');
    const t = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json);
    expect(stack.clientsApi.iotEventsQueue).toBeUndefined();
    expect(Object.keys(t.findResources('AWS::IoT::TopicRuleDestination'))).toHaveLength(1);
    const rules = Object.values(t.findResources('AWS::IoT::TopicRule') as Record<string, Json>);
    expect(rules.flatMap((r) => Object.keys(((props(r).TopicRulePayload as Json).Actions as Json[])[0]!))).toEqual(['Http', 'Http']);
    // The URL and its destination are outputs: where to look when the destination is not confirmed.
    expect(Object.keys(t.findOutputs('*')).sort()).toEqual(expect.arrayContaining(['IotEventsDestinationArn', 'IotEventsUrl']));
    expect(Object.keys(t.findOutputs('*'))).not.toContain('IotEventsQueueUrl');
  }, 120_000);
});

describe('AWS IoT events through the queue', () => {
  it('take no function URL, no destination, no token secret', () => {
    const app = new App({ context: { broker: 'aws-iot', iotDelivery: 'queue' } });
    const queued = new ClientsApiStack(app, 'IotQueueDelivery');
    const t = Template.fromJSON(app.synth().getStackArtifact(queued.artifactId).template as Json);
    expect(queued.clientsApi.iotEventsQueue).toBeDefined();
    expect(Object.keys(t.findResources('AWS::Lambda::Url'))).toEqual([]);
    expect(Object.keys(t.findResources('AWS::IoT::TopicRuleDestination'))).toEqual([]);
    expect(Object.keys(t.findResources('AWS::SecretsManager::Secret')).filter((id) => id.includes('IotEventsToken'))).toEqual([]);
    const rules = Object.values(t.findResources('AWS::IoT::TopicRule') as Record<string, Json>);
    expect(rules.flatMap((r) => Object.keys(((props(r).TopicRulePayload as Json).Actions as Json[])[0]!))).toEqual(['Sqs', 'Sqs']);
  }, 120_000);
});
