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
import type { CheckedMonitoring } from '../props-check.js';
import { buildAlarms, type AlarmsProps } from './alarms.js';
import { buildDashboard, type DashboardProps } from './dashboard.js';

export type { WatchedRoute } from './metrics.js';

export interface MonitoringProps extends Omit<AlarmsProps, 'topic' | 'thresholds'>, Omit<DashboardProps, 'tables'> {
  readonly settings: CheckedMonitoring;
  readonly stage: apigwv2.HttpStage;
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
  const alarms = buildAlarms(scope, { ...props, topic, thresholds: props.settings });
  const dashboard = buildDashboard(scope, props);
  return { topic, alarms, dashboard };
}
