/**
 * What a broker kind adds to the stack: how the kick reaches the broker (its
 * variables, grants and network), where sessions come from (an ingest
 * function, a reconcile schedule, topic rules), and the secrets of both.
 * One binding per kind: mqtt.ts, emqx.ts, aws-iot.ts.
 */
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iot from 'aws-cdk-lib/aws-iot';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeadLetters } from '../dead-letters.js';
import type { ApiRoute } from '../../../functions/api/routes.js';
import type { KickPath } from '../../../functions/config.js';
import type { SessionsTable } from '../sessions-table.js';
import type { TeamFunction, TeamFunctionDefaults } from '../team-function.js';

/** The VPC placement of the functions that call a private broker. */
export interface BrokerNetwork {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** What every binding is built with; it creates its resources in `scope`. */
export interface BrokerContext {
  readonly scope: Construct;
  readonly sessions: SessionsTable;
  readonly functionDefaults: TeamFunctionDefaults;
  /** BROKER_TIMEOUT_MS of the functions that call the broker's API. */
  readonly brokerTimeoutMs: number;
  readonly network: BrokerNetwork;
  /** Where the binding's asynchronous invocations go when they fail. */
  readonly deadLetters: DeadLetters;
  /** How many consumers of an events queue run at once (fleet-sizing.ts). */
  readonly queueConsumers: number;
}

export interface BrokerBinding {
  /** How the kick reaches the broker: KICK_VIA and its variables. */
  readonly kickPath: KickPath;
  /** Where the kick function runs. */
  readonly kickNetwork: BrokerNetwork;
  /** Grants the kick function what its path needs: the sessions, the broker's secrets or API. */
  grantKick(kick: TeamFunction): void;
  readonly controlCredentialsSecret?: secretsmanager.ISecret;
  readonly brokerApiCredentialsSecret?: secretsmanager.ISecret;
  readonly ingestTokenSecret?: secretsmanager.Secret;
  readonly ingestFunction?: TeamFunction;
  /** The ingest function's own URL the broker posts to (EMQX). */
  readonly ingestUrl?: lambda.FunctionUrl;
  readonly reconcileFunction?: TeamFunction;
  readonly reconcileRule?: events.Rule;
  readonly iotTopicRules: iot.CfnTopicRule[];
  /** The queue the IoT topic rules send to, and its dead-letter queue (AWS IoT only). */
  readonly iotEventsQueue?: sqs.Queue;
  readonly iotEventsDeadLetterQueue?: sqs.Queue;
  /** The URL the IoT topic rules post their batches to, and its rule destination (AWS IoT, `http` delivery). */
  readonly iotEventsUrl?: lambda.FunctionUrl;
  readonly iotEventsDestination?: iot.CfnTopicRuleDestination;
  /** Adds the routes the broker posts to, once the API exists; returns them (they are throttled apart). */
  addRoutes?(httpApi: apigwv2.HttpApi): apigwv2.HttpRoute[];
  /** The route `addRoutes` adds, for its alarms and graphs. */
  readonly ingestRoute?: Pick<ApiRoute, 'method' | 'path'>;
}
