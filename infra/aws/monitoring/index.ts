/**
 * Monitoring of the stack: the alarm topic (given, or created with an
 * optional e-mail subscription), API Gateway's per-route metrics, the alarms
 * (alarms.ts) and the dashboard (dashboard.ts). Every function of the
 * construct is watched, whichever part of it added the function.
 */
import { Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { API_ROUTES, type ApiRoute } from '../../../functions/api/routes.js';
import type { CheckedMonitoring } from '../props-check.js';
import { buildAlarms, type AlarmsProps } from './alarms.js';
import { buildDashboard, type DashboardProps } from './dashboard.js';

import type { WatchedRoute } from './metrics.js';

export interface MonitoringProps extends Omit<AlarmsProps, 'topic' | 'thresholds' | 'routes' | 'functions'>, Omit<DashboardProps, 'routes'> {
  readonly settings: CheckedMonitoring;
  readonly stage: apigwv2.HttpStage;
  /** The route the broker posts its events to, if any (EMQX). */
  readonly ingestRoute: Pick<ApiRoute, 'method' | 'path'> | undefined;
}

/** Every route of the route table, grouped by surface, and the ingest route. */
function watchedRoutes(ingestRoute: MonitoringProps['ingestRoute']): WatchedRoute[] {
  const routes: WatchedRoute[] = API_ROUTES.map((r) => ({ group: r.surface, method: r.method, path: r.path }));
  return ingestRoute ? [...routes, { group: 'ingest', ...ingestRoute }] : routes;
}

/** Every function under `scope`, by its id (the name its alarms carry). */
function functionsUnder(scope: Construct): Record<string, lambda.Function> {
  const functions: Record<string, lambda.Function> = {};
  for (const fn of scope.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function)) {
    if (functions[fn.node.id]) throw new Error(`Two functions are named ${fn.node.id}: their alarms would carry the same id`);
    functions[fn.node.id] = fn;
  }
  return functions;
}

/** Fails the synth for a function added after the alarms were built, which no alarm would watch. */
function requireAlarmsOfEveryFunction(scope: Construct, watched: Record<string, lambda.Function>): void {
  scope.node.addValidation({
    validate: () =>
      Object.values(functionsUnder(scope))
        .filter((fn) => watched[fn.node.id] !== fn)
        .map((fn) => `${fn.node.path} was added after the monitoring was built: no alarm watches its errors and throttles; add it before buildMonitoring`),
  });
}

function alarmTopic(scope: Construct, settings: CheckedMonitoring): sns.ITopic {
  if (settings.alarmTopic) return settings.alarmTopic;
  const topic = new sns.Topic(scope, 'AlarmTopic', { displayName: 'MQTT clients API alarms', enforceSSL: true });
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'The topic carries CloudWatch alarm notifications only (alarm names, states and metric values, no data of the API); CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.',
  });
  if (settings.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
  return topic;
}

export function buildMonitoring(scope: Construct, props: MonitoringProps) {
  // Per-route metrics (ApiId, Stage, Method, Resource): the alarms and graphs by route group read them.
  (props.stage.node.defaultChild as apigwv2.CfnStage).addPropertyOverride('DefaultRouteSettings.DetailedMetricsEnabled', true);
  const topic = alarmTopic(scope, props.settings);
  const routes = watchedRoutes(props.ingestRoute);
  const functions = functionsUnder(scope);
  const alarms = buildAlarms(scope, { ...props, functions, routes, topic, thresholds: props.settings });
  requireAlarmsOfEveryFunction(scope, functions);
  const dashboard = buildDashboard(scope, { ...props, routes });
  return { topic, alarms, dashboard };
}
