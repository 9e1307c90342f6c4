/**
 * The ingest paths as synthesized: the AWS IoT rules' queue (action, redrive,
 * mapping, grants, alarms), the EMQX ingest function's URL, and what
 * `fleetSize` changes in the template.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECEIVES, QUEUE_BATCH } from '../../infra/aws/brokers/aws-iot-queue.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';
import { API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND, fleetSizing } from '../../infra/aws/fleet-sizing.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;
type Synth = { stack: ClientsApiStack; template: Template };

const EMQX = { broker: 'emqx5', emqxApiUrl: 'https://emqx.internal:18083', emqxApiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf' };

function synth(id: string, context: Record<string, string>): Synth {
  // The functions' code is not what these tests read: no bundling.
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, id);
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  return { stack, template: Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json) };
}

const props = (resource: unknown) => (resource as Json).Properties as Json;
const only = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type) as Record<string, Json>);
  expect(found).toHaveLength(1);
  return { id: found[0]![0], props: props(found[0]![1]) };
};
/** The queue's mapping: the counter aggregator's stream mapping is the other one (a stream mapping has a starting position). */
const queueMapping = (template: Template) => {
  const found = Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Json>)
    .map(props)
    .filter((p) => p.StartingPosition === undefined);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const idOf = (s: Synth, construct: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const statementsOfRole = (template: Template, roleId: string) =>
  Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Json>)
    .filter((p) => JSON.stringify(props(p).Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (props(p).PolicyDocument as { Statement: Json[] }).Statement);

describe('AWS IoT events through a queue', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth('IngestPathsIot', { broker: 'aws-iot', iotDelivery: 'queue' });
  }, 600_000);

  it('has each lifecycle rule send to the events queue, and its failures to the dead-letter queue', () => {
    const queueId = idOf(s, s.stack.clientsApi.iotEventsQueue!);
    const rules = Object.values(s.template.findResources('AWS::IoT::TopicRule') as Record<string, Json>).map((r) => props(r).TopicRulePayload as Json);
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      const actions = rule.Actions as Json[];
      expect(actions).toHaveLength(1);
      expect(actions[0]).toEqual({ Sqs: { QueueUrl: { Ref: queueId }, RoleArn: expect.anything(), UseBase64: false } });
      expect(JSON.stringify(rule.ErrorAction)).toContain(idOf(s, s.stack.clientsApi.deadLetterQueue));
    }
  });

  it('lets the rule role send to the events queue and do nothing else', () => {
    const rules = Object.values(s.template.findResources('AWS::IoT::TopicRule') as Record<string, Json>);
    const roleArn = ((props(rules[0]).TopicRulePayload as Json).Actions as { Sqs: { RoleArn: { 'Fn::GetAtt': [string, string] } } }[])[0]!.Sqs.RoleArn;
    const roleId = roleArn['Fn::GetAtt'][0];
    expect(statementsOfRole(s.template, roleId)).toEqual([
      { Sid: 'SendLifecycleEvents', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [idOf(s, s.stack.clientsApi.iotEventsQueue!), 'Arn'] } },
    ]);
  });

  it('moves a message to the events dead-letter queue after five receives, kept 14 days', () => {
    const api = s.stack.clientsApi;
    const queue = props(s.template.toJSON().Resources[idOf(s, api.iotEventsQueue!)]);
    const dlq = props(s.template.toJSON().Resources[idOf(s, api.iotEventsDeadLetterQueue!)]);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [idOf(s, api.iotEventsDeadLetterQueue!), 'Arn'] }, maxReceiveCount: MAX_RECEIVES });
    expect(MAX_RECEIVES).toBe(5);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const fn = props(s.template.toJSON().Resources[idOf(s, api.ingestFunction!)]);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.Timeout as number));
  });

  it('maps the queue to the ingest function in batches with partial failures, as many at once as the fleet needs', () => {
    const mapping = queueMapping(s.template);
    expect(mapping).toMatchObject({
      FunctionName: { Ref: idOf(s, s.stack.clientsApi.ingestFunction!) },
      BatchSize: QUEUE_BATCH.size,
      MaximumBatchingWindowInSeconds: QUEUE_BATCH.windowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: fleetSizing().queueConsumers },
    });
  });

  it('grants the ingest function consume rights on the queue alone, and no more invoke permission for the rules', () => {
    const fn = s.stack.clientsApi.ingestFunction!;
    const sqsActions = statementsOfRole(s.template, idOf(s, fn.executionRole)).flatMap((st) => [st.Action].flat() as string[]).filter((a) => a.startsWith('sqs:'));
    expect(sqsActions.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
    const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission') as Record<string, Json>).map(props);
    expect(permissions.filter((p) => p.Principal === 'iot.amazonaws.com' || JSON.stringify(p.FunctionName).includes(idOf(s, fn)))).toEqual([]);
    expect(props(s.template.toJSON().Resources[idOf(s, fn)]).DeadLetterConfig).toBeUndefined();
  });

  it('alarms on the events dead-letter queue and on the age of the oldest event, and outputs both queues', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>).map(props);
    const named = (metric: string) => alarms.filter((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes('IotEvents'));
    expect(named('ApproximateNumberOfMessagesVisible')).toEqual([expect.objectContaining({ Threshold: 1 })]);
    expect(named('ApproximateAgeOfOldestMessage')).toHaveLength(1);
    const outputs = s.template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['IotEventsQueueUrl', 'IotEventsDeadLetterQueueUrl']));
  });
});

describe('EMQX ingest through the function URL', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth('IngestPathsEmqx', EMQX);
  }, 600_000);

  it('adds a buffered URL without IAM on the ingest function, outputs it, and keeps POST /ingest/emqx', () => {
    const url = only(s.template, 'AWS::Lambda::Url').props;
    expect(url).toMatchObject({ AuthType: 'NONE', InvokeMode: 'BUFFERED', TargetFunctionArn: { 'Fn::GetAtt': [idOf(s, s.stack.clientsApi.ingestFunction!), 'Arn'] } });
    expect(Object.keys(s.template.toJSON().Outputs as Json)).toContain('IngestUrl');
    expect(s.stack.clientsApi.routes.size).toBeGreaterThan(0);
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Json>).map((r) => props(r).RouteKey);
    expect(routes).toContain('POST /ingest/emqx');
  });
});

describe('fleetSize', () => {
  it('changes the shards, the ingest throttle, the queue consumers and the table warm throughput', () => {
    const big = synth('IngestPathsBigFleet', { broker: 'aws-iot', iotDelivery: 'queue', fleetSize: '10000000' });
    const sizing = fleetSizing(10_000_000);
    const table = props(big.template.toJSON().Resources[idOf(big, big.stack.clientsApi.table)]);
    expect(table.WarmThroughput).toEqual({ ReadUnitsPerSecond: sizing.warmThroughput!.readUnitsPerSecond, WriteUnitsPerSecond: sizing.warmThroughput!.writeUnitsPerSecond });
    // Each index is warmed for its own share of an event's writes.
    const indexWarm = Object.fromEntries((table.GlobalSecondaryIndexes as Json[]).map((index) => [index.IndexName, index.WarmThroughput]));
    expect(indexWarm).toEqual(
      Object.fromEntries(
        Object.entries(sizing.indexWarmThroughput).map(([name, warm]) => [name, { ReadUnitsPerSecond: warm.readUnitsPerSecond, WriteUnitsPerSecond: warm.writeUnitsPerSecond }]),
      ),
    );
    expect(Object.keys(indexWarm)).toHaveLength(3);
    const fn = props(big.template.toJSON().Resources[idOf(big, big.stack.clientsApi.ingestFunction!)]);
    expect((fn.Environment as { Variables: Json }).Variables.SESSION_SHARDS).toBe('16');
    expect(queueMapping(big.template).ScalingConfig).toEqual({ MaximumConcurrency: sizing.queueConsumers });

    const small = synth('IngestPathsSmallFleet', { ...EMQX, fleetSize: '10000' });
    const smallTable = props(small.template.toJSON().Resources[idOf(small, small.stack.clientsApi.table)]);
    expect(smallTable.WarmThroughput).toBeUndefined();
    expect((smallTable.GlobalSecondaryIndexes as Json[]).map((index) => index.WarmThroughput)).toEqual([undefined, undefined, undefined]);
    const stage = only(small.template, 'AWS::ApiGatewayV2::Stage').props;
    expect(stage.RouteSettings).toEqual({ 'POST /ingest/emqx': { ThrottlingRateLimit: 6_800, ThrottlingBurstLimit: 6_800 } });
    const bigEmqx = synth('IngestPathsBigEmqx', { ...EMQX, fleetSize: '10000000', sessionShards: '32' });
    // 32 shards take 27,200 events a second; the route stays within API Gateway's account limit, less the admin routes'.
    const withinAccount = API_GATEWAY_ACCOUNT_REQUESTS_PER_SECOND - CLIENTS_API_DEFAULTS.throttle.rateLimit;
    expect(only(bigEmqx.template, 'AWS::ApiGatewayV2::Stage').props.RouteSettings).toEqual({ 'POST /ingest/emqx': { ThrottlingRateLimit: withinAccount, ThrottlingBurstLimit: withinAccount } });
  }, 900_000);
});
