/**
 * Deploy by configuration: each broker source creates what it needs and
 * nothing else, with least privilege, and passes cdk-nag. The stack is
 * synthesized from CDK context as `cdk deploy -c broker=…` would.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { API_ROUTES, routeKeyOf } from '../../functions/api/routes.js';
import { CONSOLE_ROUTE_PATHS } from '../../functions/console/routes.js';
import { SESSIONS_TABLE } from '../../functions/sessions/table.js';
import { AWS_IOT_RULE_SQL, type ClientsApi } from '../../infra/aws/clients-api.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';
import type { TeamFunction } from '../../infra/aws/team-function.js';

process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string };

type Synth = { stack: ClientsApiStack; api: ClientsApi; template: Template };

function synth(context: Record<string, string>): Synth {
  const app = new App({ context });
  const stack = new ClientsApiStack(app, `Variant${Object.values(context).join('').replace(/[^A-Za-z0-9]/g, '')}`);
  const report = new AwsSolutionsChecks().validateScope(stack);
  const problems = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
  expect(problems).toEqual([]);
  return { stack, api: stack.clientsApi, template: Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json) };
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** The web console's routes (infra/aws/console.ts): static files, no authorizer. */
const CONSOLE_ROUTE_KEYS: string[] = CONSOLE_ROUTE_PATHS.map((path) => `GET ${path}`);
const props = (resource: Json) => resource.Properties as Json;

function logicalIdOf(s: Synth, construct: IConstruct): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function statementsOf(s: Synth, fn: TeamFunction): Statement[] {
  const roleId = logicalIdOf(s, fn.executionRole);
  return Object.values(s.template.findResources('AWS::IAM::Policy') as Record<string, Json>)
    .filter((r) => JSON.stringify(props(r).Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((r) => asArray((props(r).PolicyDocument as Json).Statement as Statement | Statement[]));
}

const actionsOf = (statements: Statement[]) => statements.flatMap((st) => asArray(st.Action)).sort();
const envOf = (s: Synth, fn: TeamFunction) =>
  ((props((s.template.findResources('AWS::Lambda::Function') as Record<string, Json>)[logicalIdOf(s, fn)]!).Environment as Json).Variables ?? {}) as Record<string, unknown>;
const count = (s: Synth, type: string) => Object.keys(s.template.findResources(type)).length;

describe('EMQX 5 source', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth({
      broker: 'emqx5',
      emqxApiUrl: 'https://emqx.internal:18083',
      emqxApiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf',
    });
  }, 120_000);

  it('adds POST /ingest/emqx without IAM while every other route keeps SigV4 or app credentials', () => {
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Json>).map(props);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...API_ROUTES.map(routeKeyOf), ...CONSOLE_ROUTE_KEYS, 'POST /ingest/emqx'].sort());
    const expected = (routeKey: unknown) =>
      routeKey === 'POST /ingest/emqx' || CONSOLE_ROUTE_KEYS.includes(String(routeKey)) ? 'NONE' : API_ROUTES.find((r) => routeKeyOf(r) === routeKey)!.surface === 'native' ? 'AWS_IAM' : 'CUSTOM';
    for (const route of routes) expect(route.AuthorizationType, String(route.RouteKey)).toBe(expected(route.RouteKey));
  });

  it('throttles POST /ingest/emqx apart from the admin routes, which keep the stage default', () => {
    const stages = Object.values(s.template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, Json>);
    expect(stages).toHaveLength(1);
    const stage = stages[0]!;
    expect(props(stage).DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: CLIENTS_API_DEFAULTS.throttle.rateLimit,
      ThrottlingBurstLimit: CLIENTS_API_DEFAULTS.throttle.burstLimit,
    });
    expect(props(stage).RouteSettings).toEqual({
      'POST /ingest/emqx': { ThrottlingRateLimit: CLIENTS_API_DEFAULTS.ingestThrottle.rateLimit, ThrottlingBurstLimit: CLIENTS_API_DEFAULTS.ingestThrottle.burstLimit },
    });
    // API Gateway refuses the settings of a route it does not hold yet.
    const ingestRoute = Object.entries(s.template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Json>).find(([, r]) => props(r).RouteKey === 'POST /ingest/emqx')![0];
    expect(asArray(stage.DependsOn as string | string[])).toContain(ingestRoute);
  });

  it('gives the ingest function its token secret and single-item writes, nothing more', () => {
    const ingest = s.api.ingestFunction!;
    expect(envOf(s, ingest)).toMatchObject({ INGEST_TOKEN_SECRET_ARN: { Ref: logicalIdOf(s, s.api.ingestTokenSecret!) } });
    const statements = statementsOf(s, ingest);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
    const secretStatement = statements.find((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'))!;
    expect(secretStatement.Resource).toEqual({ Ref: logicalIdOf(s, s.api.ingestTokenSecret!) });
  });

  it('reconciles every five minutes, querying only the state index and scanning only the table', () => {
    const reconcile = s.api.reconcileFunction!;
    expect(envOf(s, reconcile)).toMatchObject({ RECONCILE_SOURCE: 'emqx5', EMQX_API_URL: 'https://emqx.internal:18083' });
    const statements = statementsOf(s, reconcile);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      // A failed run lands in the dead-letter queue.
      'sqs:SendMessage',
    ]);
    const query = statements.find((st) => asArray(st.Action).includes('dynamodb:Query'))!;
    expect(JSON.stringify(query.Resource)).toContain(`/index/${SESSIONS_TABLE.indexes.byConnState.indexName}`);
    expect(JSON.stringify(query.Resource)).not.toContain(SESSIONS_TABLE.indexes.byUsername.indexName);
    // A run with no memo scans the table itself (memo-scan.ts), never an index.
    const scan = statements.find((st) => asArray(st.Action).includes('dynamodb:Scan'))!;
    expect(JSON.stringify(scan.Resource)).not.toContain('/index/');
    const rules = Object.values(s.template.findResources('AWS::Events::Rule') as Record<string, Json>).map(props);
    expect(rules.map((r) => r.ScheduleExpression).sort()).toEqual(['rate(1 minute)', 'rate(5 minutes)']);
  });

  it('kicks through the EMQX API, with the secret and single-item writes', () => {
    const kick = s.api.kickClientFunction;
    expect(envOf(s, kick)).toMatchObject({
      KICK_VIA: 'emqx5',
      EMQX_API_URL: 'https://emqx.internal:18083',
      EMQX_API_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf',
      BROKER_TIMEOUT_MS: '3000',
    });
    expect(envOf(s, kick)).not.toHaveProperty('CONTROL_BROKER_URL');
    const statements = statementsOf(s, kick);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
  });

  it("reads a shown client's live counters through the same API and secret, and writes nothing", () => {
    const get = s.api.getClientFunction;
    expect(envOf(s, get)).toMatchObject({
      LIVE_STATISTICS_FROM: 'emqx5',
      EMQX_API_URL: 'https://emqx.internal:18083',
      EMQX_API_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf',
    });
    // Its own bound (LIVE_STATISTICS_TIMEOUT_MS, default 1 s), not the kicks' broker timeout.
    expect(envOf(s, get)).not.toHaveProperty('BROKER_TIMEOUT_MS');
    const statements = statementsOf(s, get);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
    ]);
    const secret = statements.find((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'))!;
    expect(JSON.stringify(secret.Resource)).toContain('emqx-api-AbCdEf');
  });

  it('creates no control secret, no IoT rule', () => {
    expect(s.api.controlCredentialsSecret).toBeUndefined();
    expect(count(s, 'AWS::IoT::TopicRule')).toBe(0);
    // list, get, kick, the sweeper, ingest, reconcile, the app-credentials authorizer, the console and the counter aggregator.
    expect(count(s, 'AWS::Lambda::Function')).toBe(9);
  });
});

describe('AWS IoT Core source', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth({ broker: 'aws-iot', iotDelivery: 'queue', iotPersistentSessions: 'true', iotSessionExpirySeconds: '7200' });
  }, 120_000);

  it('feeds the ingest function from two topic rules through its events queue (iotDelivery=queue), with no invoke permission for IoT', () => {
    const rules = Object.entries(s.template.findResources('AWS::IoT::TopicRule') as Record<string, Json>);
    expect(rules.map(([, r]) => (props(r).TopicRulePayload as Json).Sql).sort()).toEqual(
      [AWS_IOT_RULE_SQL.presence, AWS_IOT_RULE_SQL.subscriptions].sort(),
    );
    const queueId = logicalIdOf(s, s.api.iotEventsQueue!);
    for (const [, rule] of rules) {
      const payload = props(rule).TopicRulePayload as Json;
      expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
      expect(JSON.stringify(payload.Actions)).toContain(queueId);
    }
    const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission') as Record<string, Json>)
      .map(props)
      .filter((p) => p.Principal === 'iot.amazonaws.com');
    expect(permissions).toHaveLength(0);
    expect(envOf(s, s.api.ingestFunction!)).toMatchObject({ AWS_IOT_SESSION_EXPIRY_SECONDS: '7200', AWS_IOT_PERSISTENT_SESSIONS: 'true' });
  });

  it('lets the kick function disconnect IoT clients and nothing else of IoT', () => {
    const statements = statementsOf(s, s.api.kickClientFunction);
    const iot = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('iot:')));
    expect(iot).toHaveLength(1);
    expect(iot[0]!.Action).toBe('iot:DeleteConnection');
    expect(JSON.stringify(iot[0]!.Resource)).toMatch(/:iot:.*:client\/\*/);
    expect(envOf(s, s.api.kickClientFunction)).toMatchObject({ KICK_VIA: 'aws-iot' });
  });

  it('has no public ingest route, no reconciliation and no EMQX secret', () => {
    const routeKeys = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Json>).map((r) => props(r).RouteKey);
    expect(routeKeys).not.toContain('POST /ingest/emqx');
    expect(s.api.reconcileFunction).toBeUndefined();
    expect(s.api.brokerApiCredentialsSecret).toBeUndefined();
    expect(count(s, 'AWS::Events::Rule')).toBe(1);
  });

  it('shows clients from the table alone: AWS IoT has no per-client counters to read', () => {
    expect(envOf(s, s.api.getClientFunction)).not.toHaveProperty('LIVE_STATISTICS_FROM');
    expect(actionsOf(statementsOf(s, s.api.getClientFunction))).not.toContain('secretsmanager:GetSecretValue');
  });
});

describe('MQTT control channel (the default)', () => {
  it('creates no ingest function, no ingest token, no IoT rule and no reconciliation', () => {
    const s = synth({ brokerUrl: 'mqtts://broker.internal:8883' });
    expect(s.api.ingestFunction).toBeUndefined();
    expect(s.api.ingestTokenSecret).toBeUndefined();
    expect(s.api.reconcileFunction).toBeUndefined();
    expect(count(s, 'AWS::IoT::TopicRule')).toBe(0);
    // list, get, kick, the sweeper, the app-credentials authorizer, the console and the counter aggregator.
    expect(count(s, 'AWS::Lambda::Function')).toBe(7);
    expect(envOf(s, s.api.kickClientFunction)).toMatchObject({ KICK_VIA: 'mqtt', CONTROL_BROKER_URL: 'mqtts://broker.internal:8883' });
    expect(envOf(s, s.api.getClientFunction)).not.toHaveProperty('LIVE_STATISTICS_FROM');
  }, 120_000);
});
