/**
 * Monitoring of the stack: the alarm topic (given, or created with an
 * optional e-mail subscription), API Gateway's per-route metrics, the alarms
 * (alarms.ts) and the dashboard (dashboard.ts).
 */
import { Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { API_ROUTES, type ApiRoute } from '../../../functions/api/routes.js';
import type { CheckedMonitoring } from '../props-check.js';
import { buildAlarms, type AlarmsProps } from './alarms.js';
import { buildDashboard, type DashboardProps } from './dashboard.js';

import type { WatchedRoute } from './metrics.js';

export interface MonitoringProps extends Omit<AlarmsProps, 'topic' | 'thresholds' | 'routes'>, Omit<DashboardProps, 'routes'> {
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
  const alarms = buildAlarms(scope, { ...props, routes, topic, thresholds: props.settings });
  const dashboard = buildDashboard(scope, { ...props, routes });
  return { topic, alarms, dashboard };
}
