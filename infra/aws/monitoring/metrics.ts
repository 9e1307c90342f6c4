/**
 * The metrics the alarms and the dashboard read, defined once: the functions'
 * Powertools metrics (namespace and `service` dimension from their settings),
 * API Gateway's per-route metrics (detailed metrics on the `$default` stage)
 * and the queue and table metrics of the stack.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { ApiRoute } from '../../../functions/api/routes.js';
import type { PowertoolsSettings } from '../team-function.js';

/** The period of every alarm and graph. */
export const MONITORING_PERIOD = Duration.minutes(5);

/** A route as API Gateway's detailed metrics name it, and the group it is watched in. */
export interface WatchedRoute {
  /** `native`, `emqx4`, `emqx5` (functions/api/routes.ts) or `ingest`. */
  readonly group: string;
  readonly method: ApiRoute['method'];
  readonly path: string;
}

/** What the reconcile handler reports of each run (functions/reconcile/handler.ts). */
export const RECONCILE_CHANGES = ['ReconcileEnded', 'ReconcileAdded', 'ReconcileDisconnected'] as const;
export const RECONCILE_METRICS = ['ReconcileListed', ...RECONCILE_CHANGES, 'ReconcileStatistics', 'ReconcileFailed', 'ReconcileTruncated'] as const;

/** A Powertools metric of the functions: summed per period. */
export function powertoolsMetric(settings: PowertoolsSettings, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: settings.metricsNamespace,
    metricName,
    dimensionsMap: { service: settings.serviceName },
    statistic: cloudwatch.Stats.SUM,
    period: MONITORING_PERIOD,
  });
}

/** An API Gateway metric of one route (`Count`, `4xx`, `5xx`, `Latency`). */
export function routeMetric(httpApi: apigwv2.IHttpApi, route: WatchedRoute, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiId: httpApi.apiId, Stage: '$default', Method: route.method, Resource: route.path },
    statistic,
    period: MONITORING_PERIOD,
  });
}

/** The share of a route's requests answered 5xx (or 4xx), in percent (0 when there were none). */
export function errorRate(httpApi: apigwv2.IHttpApi, route: WatchedRoute, status: '5xx' | '4xx'): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: { errors: routeMetric(httpApi, route, status, cloudwatch.Stats.SUM), requests: routeMetric(httpApi, route, 'Count', cloudwatch.Stats.SUM) },
    label: `${status} % ${route.method} ${route.path}`,
    period: MONITORING_PERIOD,
  });
}

/** Messages waiting in a queue. */
export function queueDepth(queue: { metricApproximateNumberOfMessagesVisible(props?: cloudwatch.MetricOptions): cloudwatch.Metric }): cloudwatch.Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: MONITORING_PERIOD });
}

/** How long the oldest message of a queue has waited, in seconds. */
export function oldestMessageAge(queue: { metricApproximateAgeOfOldestMessage(props?: cloudwatch.MetricOptions): cloudwatch.Metric }): cloudwatch.Metric {
  return queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: MONITORING_PERIOD });
}

/**
 * The age at which the AWS IoT events queue alarms: a storm the shards take
 * drains within minutes (fleet-sizing.ts), so events older than this mean the
 * ingest is failing or throttled.
 */
export const IOT_EVENTS_MAX_AGE_SECONDS = 600;

/** The requests DynamoDB throttled on a table, reads and writes. */
export function tableThrottles(table: dynamodb.ITable): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'reads + writes',
    usingMetrics: {
      reads: table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: MONITORING_PERIOD }),
      writes: table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: MONITORING_PERIOD }),
    },
    label: 'Throttled requests',
    period: MONITORING_PERIOD,
  });
}

/** The operations the functions call; DynamoDB reports system errors per operation. */
const TABLE_OPERATIONS: dynamodb.Operation[] = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

/** DynamoDB's internal errors on a table, over the operations the functions use. */
export function tableSystemErrors(table: dynamodb.ITable): cloudwatch.IMetric {
  return table.metricSystemErrorsForOperations({
    operations: TABLE_OPERATIONS,
    statistic: cloudwatch.Stats.SUM,
    period: MONITORING_PERIOD,
  });
}
