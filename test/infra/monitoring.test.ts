/**
 * An operable stack, for each broker kind: every asynchronous invocation has
 * somewhere to fail to (the encrypted dead-letter queue), every function,
 * table, route group and the queue are alarmed onto one topic, a dashboard
 * shows them, and every log group keeps its logs for a limited time. cdk-nag
 * stays clean. Bundling is skipped: none of this depends on the bundles.
 */
import { describe, expect, it } from 'vitest';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { API_ROUTES } from '../../functions/api/routes.js';
import { ClientsApi, MONITORING_DEFAULTS } from '../../infra/aws/clients-api.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;
type Synth = { stack: ClientsApiStack; template: Template };

function synth(context: Record<string, string>): Synth {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'Monitored');
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  return { stack, template: Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json) };
}

const props = (resource: Json) => resource.Properties as Json;
const resourcesOf = (s: Synth, type: string) => s.template.findResources(type) as Record<string, Json>;
const idOf = (s: Synth, construct: IConstruct) => s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const alarmNamed = (s: Synth, part: string) => Object.entries(resourcesOf(s, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.includes(part));

/** The functions Lambda invokes asynchronously, per broker kind (and AWS IoT delivery). */
const ASYNC_FUNCTIONS: Record<string, (api: ClientsApi) => IConstruct[]> = {
  mqtt: (api) => [api.expireSessionsFunction],
  emqx5: (api) => [api.expireSessionsFunction, api.reconcileFunction!],
  emqx4: (api) => [api.expireSessionsFunction, api.reconcileFunction!],
  // The AWS IoT ingest function takes its events from the rules' HTTP action, or from its own queue: no asynchronous invocation.
  'aws-iot': (api) => [api.expireSessionsFunction],
  'aws-iot/queue': (api) => [api.expireSessionsFunction],
};

describe.each(Object.keys(ASYNC_FUNCTIONS))('monitoring of broker %s', (kind) => {
  const [broker, iotDelivery] = kind.split('/') as [string, string | undefined];
  const s = synth({ broker, ...(iotDelivery ? { iotDelivery } : {}) });
  const queued = iotDelivery === 'queue';
  const api = s.stack.clientsApi;
  const queueId = idOf(s, api.deadLetterQueue);
  const topicRef = { Ref: idOf(s, api.alarmTopic as sns.Topic) };

  it('has one encrypted dead-letter queue that only accepts TLS, kept 14 days (and AWS IoT its events queues)', () => {
    const queues = resourcesOf(s, 'AWS::SQS::Queue');
    const events = api.iotEventsQueue ? [idOf(s, api.iotEventsQueue), idOf(s, api.iotEventsDeadLetterQueue!)] : [];
    expect(events.length).toBe(queued ? 2 : 0);
    expect(Object.keys(queues).sort()).toEqual([queueId, ...events].sort());
    expect(props(queues[queueId]!)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    for (const id of events) expect(props(queues[id]!)).toMatchObject({ SqsManagedSseEnabled: true });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('sends every asynchronous invocation that fails to the queue, and lets each function send there', () => {
    const functions = resourcesOf(s, 'AWS::Lambda::Function');
    const asyncIds = ASYNC_FUNCTIONS[kind]!(api).map((fn) => idOf(s, fn));
    for (const [id, fn] of Object.entries(functions)) {
      const target = (props(fn).DeadLetterConfig as Json | undefined)?.TargetArn;
      if (asyncIds.includes(id)) expect(target, id).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      else expect(target, id).toBeUndefined();
    }
    const senders = Object.values(resourcesOf(s, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(props(p).PolicyDocument).includes('sqs:SendMessage'));
    // AWS IoT: the rules' error-action role, and with the queue their role that sends to it.
    expect(senders.length).toBe(asyncIds.length + (broker === 'aws-iot' ? 1 : 0) + (queued ? 1 : 0));
    const targets = [queueId, ...(api.iotEventsQueue ? [idOf(s, api.iotEventsQueue)] : [])];
    for (const policy of senders) {
      const document = JSON.stringify(props(policy).PolicyDocument);
      expect(targets.filter((id) => document.includes(`"Fn::GetAtt":["${id}","Arn"]`))).toHaveLength(1);
    }
  });

  it('gives every schedule target the queue for deliveries EventBridge could not make', () => {
    const rules = Object.values(resourcesOf(s, 'AWS::Events::Rule'));
    expect(rules.length).toBe(broker.startsWith('emqx') ? 2 : 1);
    for (const rule of rules) {
      for (const target of props(rule).Targets as Json[]) {
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
        expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
      }
    }
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } })]),
      },
    });
  });

  it('gives each IoT rule an error action into the queue (AWS IoT only)', () => {
    const rules = Object.values(resourcesOf(s, 'AWS::IoT::TopicRule'));
    expect(rules.length).toBe(broker === 'aws-iot' ? 2 : 0);
    for (const rule of rules) {
      const errorAction = (props(rule).TopicRulePayload as Json).ErrorAction as Json;
      expect(errorAction.Sqs).toMatchObject({ QueueUrl: { Ref: queueId }, UseBase64: false });
    }
  });

  it('keeps every log group for a limited time', () => {
    const groups = Object.values(resourcesOf(s, 'AWS::Logs::LogGroup'));
    // One per function, and the API access log.
    expect(groups.length).toBe(Object.keys(resourcesOf(s, 'AWS::Lambda::Function')).length + 1);
    for (const group of groups) expect(props(group).RetentionInDays).toBe(30);
  });

  it('alarms on the errors and throttles of every function', () => {
    const functionIds = Object.keys(resourcesOf(s, 'AWS::Lambda::Function'));
    for (const metric of ['Errors', 'Throttles']) {
      const alarms = Object.values(resourcesOf(s, 'AWS::CloudWatch::Alarm')).filter(
        (a) => props(a).Namespace === 'AWS/Lambda' && props(a).MetricName === metric,
      );
      const watched = alarms.map((a) => ((props(a).Dimensions as Json[])[0]!.Value as Json).Ref).sort();
      expect(watched).toEqual([...functionIds].sort());
      for (const a of alarms) expect(props(a)).toMatchObject({ Threshold: 1, Statistic: 'Sum', Period: 300 });
    }
  });

  it('alarms as soon as one message waits in the dead-letter queue', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms when the counters fall a minute behind the table\'s stream', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(s, api.aggregateCountersFunction) } }],
      Statistic: 'Maximum',
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on throttled requests and system errors of both tables', () => {
    for (const table of ['SessionsTable', 'AppsTable']) {
      const throttles = alarmNamed(s, `${table}Throttles`);
      const errors = alarmNamed(s, `${table}SystemErrors`);
      expect(throttles.length, table).toBe(1);
      expect(errors.length, table).toBe(1);
      const metrics = JSON.stringify(props(throttles[0]![1]).Metrics);
      expect(metrics).toContain('ReadThrottleEvents');
      expect(metrics).toContain('WriteThrottleEvents');
      expect(JSON.stringify(props(errors[0]![1]).Metrics)).toContain('SystemErrors');
    }
  });

  it('alarms on drift and failures of the reconciliation (EMQX only)', () => {
    const drift = alarmNamed(s, 'ReconcileDrift');
    const failures = alarmNamed(s, 'ReconcileFailures');
    if (!broker.startsWith('emqx')) {
      expect(drift).toEqual([]);
      expect(failures).toEqual([]);
      return;
    }
    expect(props(drift[0]![1])).toMatchObject({ Threshold: MONITORING_DEFAULTS.reconcileDriftThreshold, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = JSON.stringify(props(drift[0]![1]).Metrics);
    for (const name of ['ReconcileEnded', 'ReconcileAdded', 'ReconcileDisconnected']) expect(metrics).toContain(`"MetricName":"${name}"`);
    expect(metrics).toContain('"Namespace":"MqttClientsApi"');
    expect(metrics).toContain('{"Name":"service","Value":"clients-api"}');
    expect(props(failures[0]![1])).toMatchObject({ MetricName: 'ReconcileFailed', Namespace: 'MqttClientsApi', Threshold: 1 });
  });

  it('alarms on the 5xx rate and the p99 latency of every route, by route group, on per-route metrics', () => {
    const routes = [...API_ROUTES.map((r) => ({ ...r, group: r.surface as string })), ...(broker.startsWith('emqx') ? [{ method: 'POST', path: '/ingest/emqx', group: 'ingest' }] : [])];
    const alarms = Object.values(resourcesOf(s, 'AWS::CloudWatch::Alarm'));
    const latency = alarms.filter((a) => props(a).MetricName === 'Latency');
    const rates = alarms.filter((a) => JSON.stringify(props(a).Metrics ?? []).includes('"MetricName":"5xx"'));
    expect(latency.length).toBe(routes.length);
    expect(rates.length).toBe(routes.length);
    for (const route of routes) {
      const dims = [
        { Name: 'ApiId', Value: { Ref: idOf(s, api.httpApi) } },
        { Name: 'Method', Value: route.method },
        { Name: 'Resource', Value: route.path },
        { Name: 'Stage', Value: '$default' },
      ];
      const p99 = latency.filter((a) => JSON.stringify(props(a).Dimensions) === JSON.stringify(dims));
      expect(p99.length, `${route.method} ${route.path}`).toBe(1);
      expect(props(p99[0]!)).toMatchObject({ ExtendedStatistic: 'p99', Threshold: MONITORING_DEFAULTS.apiP99LatencyMs });
      expect(String(props(p99[0]!).AlarmDescription)).toContain(route.group);
    }
    for (const rate of rates) expect(props(rate).Threshold).toBe(MONITORING_DEFAULTS.apiServerErrorRatePercent);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { DetailedMetricsEnabled: true, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  it('notifies the alarm topic from every alarm, a topic that only accepts TLS', () => {
    const alarms = Object.values(resourcesOf(s, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(20);
    for (const a of alarms) expect(props(a).AlarmActions).toEqual([topicRef]);
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('outputs the queue URL, the topic ARN and the dashboard name', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.DeadLetterQueueUrl!.Value).toEqual({ Ref: queueId });
    expect(outputs.AlarmTopicArn!.Value).toEqual(topicRef);
    expect(outputs.DashboardName!.Value).toEqual({ Ref: idOf(s, api.dashboard) });
  });

  it('has a dashboard of ingest, API route groups, reconciliation, the queue and consumed capacity', () => {
    const dashboards = Object.values(resourcesOf(s, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards.length).toBe(1);
    const body = JSON.stringify(props(dashboards[0]!).DashboardBody);
    for (const text of ['API native: requests', 'API emqx4: latency p50 and p99', 'API emqx5: 4xx and 5xx', 'Dead-letter queue', 'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'Sessions connected: no metric']) {
      expect(body).toContain(text);
    }
    expect(body.includes('Reconciliation: per run')).toBe(broker.startsWith('emqx'));
    expect(body.includes('LiveStatisticsFallback')).toBe(broker.startsWith('emqx'));
    expect(body.includes('Ingest: events per second')).toBe(broker !== 'mqtt');
    expect(body.includes('TopicMatch')).toBe(broker === 'aws-iot');
    // Where the broker posts to the ingest function's own URL: EMQX, and AWS IoT unless through the queue.
    expect(body.includes('Url5xxCount')).toBe(broker !== 'mqtt' && !queued);
    expect(body.includes('API ingest: requests')).toBe(broker.startsWith('emqx'));
  });
});

describe('alarm topic configuration', () => {
  it('subscribes the address given as -c alarmEmail', () => {
    const s = synth({ alarmEmail: 'oncall@example.com' });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('notifies a given topic instead of creating one, with the thresholds given', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'GivenTopic');
    const topic = sns.Topic.fromTopicArn(stack, 'Oncall', 'arn:aws:sns:eu-west-1:111122223333:oncall');
    new ClientsApi(stack, 'ClientsApi', {
      broker: { kind: 'emqx5', apiUrl: 'https://emqx.internal:18083', apiCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:emqx-AbCdEf' },
      monitoring: { alarmTopic: topic, reconcileDriftThreshold: 7, apiP99LatencyMs: 1500 },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>)) {
      expect(props(a).AlarmActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:oncall']);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('more than 7 sessions'), Threshold: 7 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 1500 });
  });
});
