/**
 * The alarms of the stack, each notifying one SNS topic; DEPLOY.md ("After
 * deploying") says what to do when each fires. Created in their own scope
 * (`Alarms`) under the construct given.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UNSTORABLE_METRIC } from '../../../functions/ingest/apply-batch.js';
import { routeConstructId } from '../http-api.js';
import type { CheckedMonitoring } from '../props-check.js';
import type { PowertoolsSettings } from '../team-function.js';
import {
  errorRate,
  IOT_EVENTS_MAX_AGE_SECONDS,
  oldestMessageAge,
  powertoolsMetric,
  queueDepth,
  RECONCILE_CHANGES,
  routeMetric,
  tableSystemErrors,
  tableThrottles,
  type WatchedRoute,
} from './metrics.js';

export interface AlarmsProps {
  readonly topic: sns.ITopic;
  readonly thresholds: CheckedMonitoring;
  readonly powertools: PowertoolsSettings;
  /** Every function of the construct, by the name its alarms carry (`IngestAwsIot`, `AuthorizeApp`...). */
  readonly functions: Record<string, lambda.IFunction>;
  /** The tables, by name. */
  readonly tables: Record<string, dynamodb.ITable>;
  readonly deadLetterQueue: sqs.IQueue;
  /** The AWS IoT events queue and its dead-letter queue, if any. */
  readonly iotEventsQueue: sqs.IQueue | undefined;
  readonly iotEventsDeadLetterQueue: sqs.IQueue | undefined;
  readonly httpApi: apigwv2.IHttpApi;
  readonly routes: readonly WatchedRoute[];
  /** Whether a reconcile function reports its runs (EMQX sources). */
  readonly reconciles: boolean;
  /** The function that stores the broker's events, if any (EMQX, AWS IoT). */
  readonly ingestFunction: lambda.IFunction | undefined;
  /** The function that adds the table's stream to the counters. */
  readonly counterAggregator: lambda.IFunction;
}

/** How far behind the table's stream the counters may fall before `meta.count` is called stale. */
export const COUNTERS_MAX_LAG_MS = 60_000;

export function buildAlarms(scope: Construct, props: AlarmsProps): cloudwatch.Alarm[] {
  const alarms = new Construct(scope, 'Alarms');
  const notify = new actions.SnsAction(props.topic);
  const built: cloudwatch.Alarm[] = [];
  const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number, comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) => {
    const a = new cloudwatch.Alarm(alarms, id, {
      alarmDescription: `${description} See DEPLOY.md, "After deploying".`,
      metric,
      threshold,
      comparisonOperator: comparison,
      evaluationPeriods: 1,
      // No data is no traffic: nothing failed.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    a.addAlarmAction(notify);
    built.push(a);
  };
  const sum = { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) };

  for (const [name, fn] of Object.entries(props.functions)) {
    alarm(`${name}Errors`, `${name}: invocations failed (errors or timeouts).`, fn.metricErrors(sum), 1);
    alarm(`${name}Throttles`, `${name}: invocations throttled by Lambda's concurrency limit.`, fn.metricThrottles(sum), 1);
  }

  alarm('DeadLetters', 'Failed asynchronous invocations or IoT rule deliveries are waiting in the dead-letter queue.', queueDepth(props.deadLetterQueue), 1);
  if (props.iotEventsQueue && props.iotEventsDeadLetterQueue) {
    alarm('IotEventsDeadLetters', 'AWS IoT lifecycle events the ingest function failed to store five times are waiting in the events dead-letter queue.', queueDepth(props.iotEventsDeadLetterQueue), 1);
    alarm(
      'IotEventsQueueAge',
      `AWS IoT lifecycle events have waited more than ${IOT_EVENTS_MAX_AGE_SECONDS} s in the events queue: the ingest falls behind.`,
      oldestMessageAge(props.iotEventsQueue),
      IOT_EVENTS_MAX_AGE_SECONDS,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
  }

  alarm(
    'CountersLag',
    `The counters are more than ${COUNTERS_MAX_LAG_MS / 1000} s behind the sessions table's stream: meta.count and /nodes lag.`,
    props.counterAggregator.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5) }),
    COUNTERS_MAX_LAG_MS,
    cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  );

  for (const [name, table] of Object.entries(props.tables)) {
    alarm(`${name}Throttles`, `${name}: DynamoDB throttled reads or writes.`, tableThrottles(table), 1);
    alarm(`${name}SystemErrors`, `${name}: DynamoDB answered with internal errors.`, tableSystemErrors(table), 1);
  }

  if (props.reconciles) {
    alarm(
      'ReconcileDrift',
      `A reconciliation ended, added or disconnected more than ${props.thresholds.reconcileDriftThreshold} sessions: the table had drifted from the broker.`,
      new cloudwatch.MathExpression({
        expression: RECONCILE_CHANGES.map((_, i) => `m${i}`).join(' + '),
        usingMetrics: Object.fromEntries(RECONCILE_CHANGES.map((name, i) => [`m${i}`, powertoolsMetric(props.powertools, name)])),
        label: 'Sessions changed by reconciliation',
        period: Duration.minutes(5),
      }),
      props.thresholds.reconcileDriftThreshold,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    alarm('ReconcileFailures', 'A reconciliation could not write some sessions (ReconcileFailed).', powertoolsMetric(props.powertools, 'ReconcileFailed'), 1);
  }

  if (props.ingestFunction) {
    alarm('IngestUnstorable', 'Broker events were dropped as never storable (IngestUnstorable).', powertoolsMetric(props.powertools, UNSTORABLE_METRIC), 1);
  }

  for (const route of props.routes) {
    const id = `${route.group[0]!.toUpperCase()}${route.group.slice(1)}${routeConstructId(route)}`;
    alarm(
      `${id}ServerErrorRate`,
      `${route.group} ${route.method} ${route.path}: more than ${props.thresholds.apiServerErrorRatePercent}% of requests answered 5xx.`,
      errorRate(props.httpApi, route, '5xx'),
      props.thresholds.apiServerErrorRatePercent,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    if (route.group === 'ingest') {
      // 401 (the token), 429 (the route's throttle), 400 and 422: with EMQX 4.4 every one is an event lost.
      alarm(
        `${id}ClientErrorRate`,
        `${route.method} ${route.path}: more than ${props.thresholds.ingestClientErrorRatePercent}% of the broker's requests refused (4xx).`,
        errorRate(props.httpApi, route, '4xx'),
        props.thresholds.ingestClientErrorRatePercent,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
    }
    alarm(
      `${id}LatencyP99`,
      `${route.group} ${route.method} ${route.path}: p99 latency above ${props.thresholds.apiP99LatencyMs} ms.`,
      routeMetric(props.httpApi, route, 'Latency', cloudwatch.Stats.p(99)),
      props.thresholds.apiP99LatencyMs,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
  }
  return built;
}
