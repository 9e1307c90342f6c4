/**
 * The stack's CloudWatch dashboard: ingest, API requests, errors and latency
 * by route group, reconciliation, the dead-letter queue and the tables'
 * consumed capacity. Its metrics are listed in DEPLOY.md ("After deploying").
 */
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iot from 'aws-cdk-lib/aws-iot';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LIVE_STATISTICS_FALLBACK_METRIC } from '../../../functions/clients/live-statistics.js';
import { UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import type { PowertoolsSettings } from '../team-function.js';
import { MONITORING_PERIOD, oldestMessageAge, powertoolsMetric, queueDepth, RECONCILE_METRICS, routeMetric, type WatchedRoute } from './metrics.js';

export interface DashboardProps {
  readonly powertools: PowertoolsSettings;
  readonly httpApi: apigwv2.IHttpApi;
  readonly routes: readonly WatchedRoute[];
  readonly ingestFunction: lambda.IFunction | undefined;
  /** Whether the ingest function has a URL the broker posts to (EMQX's `IngestUrl`, AWS IoT's HTTP delivery). */
  readonly ingestByUrl: boolean;
  readonly iotTopicRules: readonly iot.CfnTopicRule[];
  readonly reconciles: boolean;
  readonly deadLetterQueue: sqs.IQueue;
  readonly iotEventsQueue: sqs.IQueue | undefined;
  readonly iotEventsDeadLetterQueue: sqs.IQueue | undefined;
  readonly tables: Record<string, dynamodb.ITable>;
}

const WIDE = 24;
const HALF = 12;

const graph = (title: string, left: cloudwatch.IMetric[], width = HALF) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });

/** Per second, from a sum over the period; `id` names the sum, unique within a graph. */
const perSecond = (metric: cloudwatch.IMetric, label: string, id: string) =>
  new cloudwatch.MathExpression({ expression: `${id} / PERIOD(${id})`, usingMetrics: { [id]: metric }, label, period: MONITORING_PERIOD });

function ingestWidgets(props: DashboardProps): cloudwatch.IWidget[] {
  const sum = { statistic: cloudwatch.Stats.SUM, period: MONITORING_PERIOD };
  const fn = props.ingestFunction;
  if (!fn) return [];
  // No metric counts events by kind yet: for AWS IoT each lifecycle rule's matches stand for its kind.
  const byKind = props.iotTopicRules.map((rule, i) =>
    perSecond(new cloudwatch.Metric({ namespace: 'AWS/IoT', metricName: 'TopicMatch', dimensionsMap: { RuleName: rule.ref }, ...sum }), `${rule.node.id} per second`, `rule${i}`),
  );
  const queued = props.iotEventsQueue && props.iotEventsDeadLetterQueue
    ? [
        graph('Ingest queue: messages waiting', [
          queueDepth(props.iotEventsQueue).with({ label: 'events queue' }),
          queueDepth(props.iotEventsDeadLetterQueue).with({ label: 'events dead-letter queue' }),
        ]),
        graph('Ingest queue: oldest message (s)', [oldestMessageAge(props.iotEventsQueue)]),
      ]
    : [];
  // The URL answers what the function answers (401 for a wrong token, 503 for a write that failed): API Gateway's graphs do not see it.
  const byUrl = props.ingestByUrl
    ? [graph('Ingest URL: requests, 4xx and 5xx', ['UrlRequestCount', 'Url4xxCount', 'Url5xxCount'].map((name) => fn.metric(name, sum)))]
    : [];
  return [
    graph('Ingest: events per second', [...byKind, perSecond(fn.metricInvocations(sum), 'ingest invocations per second', 'invocations')]),
    graph('Ingest: outcomes', [fn.metricInvocations(sum), fn.metricErrors(sum), fn.metricThrottles(sum), powertoolsMetric(props.powertools, UNSTORABLE_METRIC)]),
    ...byUrl,
    ...queued,
  ];
}

function apiWidgets(props: DashboardProps): cloudwatch.IWidget[] {
  const groups = [...new Set(props.routes.map((r) => r.group))];
  return groups.flatMap((group) => {
    const routes = props.routes.filter((r) => r.group === group);
    const each = (metricName: string, statistic: string) =>
      routes.map((r) => routeMetric(props.httpApi, r, metricName, statistic).with({ label: `${statistic} ${metricName} ${r.method} ${r.path}` }));
    return [
      graph(`API ${group}: requests`, each('Count', cloudwatch.Stats.SUM), 8),
      graph(`API ${group}: 4xx and 5xx`, [...each('4xx', cloudwatch.Stats.SUM), ...each('5xx', cloudwatch.Stats.SUM)], 8),
      graph(`API ${group}: latency p50 and p99 (ms)`, [...each('Latency', cloudwatch.Stats.p(50)), ...each('Latency', cloudwatch.Stats.p(99))], 8),
    ];
  });
}

export function buildDashboard(scope: Construct, props: DashboardProps): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: undefined });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        '## MQTT clients API\nSessions connected: no metric yet (the session counters live in the table; `GET /nodes` reads them). Metrics and alarms: DEPLOY.md, "After deploying".',
      width: WIDE,
      height: 2,
    }),
  );
  dashboard.addWidgets(...ingestWidgets(props));
  dashboard.addWidgets(
    graph('API: answers by outcome (all functions)', ['Success', 'ClientError', 'ServerError'].map((name) => powertoolsMetric(props.powertools, name))),
  );
  dashboard.addWidgets(...apiWidgets(props));
  if (props.reconciles) {
    dashboard.addWidgets(graph('Reconciliation: per run', RECONCILE_METRICS.map((name) => powertoolsMetric(props.powertools, name)), WIDE));
    // EMQX's API is also read for a shown client's live counters: how often the stored ones were shown instead.
    dashboard.addWidgets(graph('GET of one client: stored counters shown, broker not read in time or not holding it', [powertoolsMetric(props.powertools, LIVE_STATISTICS_FALLBACK_METRIC)], WIDE));
  }
  const capacity = Object.entries(props.tables).flatMap(([name, table]) => [
    table.metricConsumedReadCapacityUnits({ statistic: cloudwatch.Stats.SUM, period: MONITORING_PERIOD, label: `${name} read units` }),
    table.metricConsumedWriteCapacityUnits({ statistic: cloudwatch.Stats.SUM, period: MONITORING_PERIOD, label: `${name} write units` }),
  ]);
  dashboard.addWidgets(graph('Dead-letter queue: messages waiting', [queueDepth(props.deadLetterQueue)]), graph('DynamoDB: consumed capacity', capacity));
  return dashboard;
}
