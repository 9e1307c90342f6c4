/**
 * The sweeper: a scheduled function that ends expired offline sessions.
 * Created in the given scope (logical IDs unchanged).
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { tableEnvironment } from '../../functions/config.js';
import type { DeadLetters } from './dead-letters.js';
import type { SessionsTable } from './sessions-table.js';
import { TeamFunction, type TeamFunctionDefaults } from './team-function.js';

export interface SweeperProps {
  readonly sessions: SessionsTable;
  readonly functionDefaults: TeamFunctionDefaults;
  readonly schedule: events.Schedule;
  readonly deadLetters: DeadLetters;
}

export function buildSweeper(scope: Construct, props: SweeperProps): { fn: TeamFunction; rule: events.Rule } {
  const fn = new TeamFunction(scope, 'ExpireSessions', {
    ...props.functionDefaults,
    entry: 'functions/expire-sessions.ts',
    description: 'Ends expired offline sessions (scheduled)',
    timeout: Duration.seconds(50),
    environment: tableEnvironment(props.sessions.settings),
    // A failed sweep is retried by the next one a minute later; Lambda's own
    // async retries would only overlap with it.
    retryAttempts: 0,
    deadLetterQueue: props.deadLetters.queue,
  });
  props.sessions.bind(fn, 'sweep');
  const rule = new events.Rule(scope, 'SweepSchedule', {
    description: 'Runs the expired-session sweeper',
    schedule: props.schedule,
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, deadLetterQueue: props.deadLetters.queue })],
  });
  return { fn, rule };
}
