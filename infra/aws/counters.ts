/**
 * The counter aggregator: a function on the sessions table's stream that
 * keeps the state and node counters (functions/counters/). Created in the
 * given scope, beside the table.
 *
 * Its event source never skips a record, since a skipped record is a count
 * wrong for good: retried until it succeeds (no maximum age, no bisection),
 * one batch at a time per stream shard so a shard's records apply in order,
 * from the stream's oldest record. The tumbling window is how Lambda tells a
 * handler which stream shard a batch is from; the handler applies each batch
 * at once and keeps no window state.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { tableEnvironment } from '../../functions/config.js';
import type { SessionsTable } from './sessions-table.js';
import { TeamFunction, type TeamFunctionDefaults } from './team-function.js';

/** The event source mapping's settings, as the template holds them. */
export const COUNTER_STREAM_SETTINGS = {
  batchSize: 1000,
  maxBatchingWindowSeconds: 1,
  tumblingWindowSeconds: 60,
  parallelizationFactor: 1,
  /** -1: until it succeeds. */
  retryAttempts: -1,
} as const;

export interface CountersProps {
  readonly sessions: SessionsTable;
  readonly functionDefaults: TeamFunctionDefaults;
}

export function buildCounterAggregator(scope: Construct, props: CountersProps): TeamFunction {
  const fn = new TeamFunction(scope, 'AggregateCounters', {
    ...props.functionDefaults,
    entry: 'functions/aggregate-counters.ts',
    description: 'Keeps the session counters from the sessions table stream',
    timeout: Duration.seconds(30),
    environment: tableEnvironment(props.sessions.settings),
  });
  props.sessions.bindCounterAggregator(fn);
  fn.addEventSource(
    new DynamoEventSource(props.sessions.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: COUNTER_STREAM_SETTINGS.batchSize,
      maxBatchingWindow: Duration.seconds(COUNTER_STREAM_SETTINGS.maxBatchingWindowSeconds),
      tumblingWindow: Duration.seconds(COUNTER_STREAM_SETTINGS.tumblingWindowSeconds),
      parallelizationFactor: COUNTER_STREAM_SETTINGS.parallelizationFactor,
      retryAttempts: COUNTER_STREAM_SETTINGS.retryAttempts,
      bisectBatchOnError: false,
    }),
  );
  Validations.of(fn.executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The stream event source grants dynamodb:ListStreams, which has no resource-level permissions; it lists stream ARNs only. Reading records is granted on the sessions stream alone.',
  });
  return fn;
}
