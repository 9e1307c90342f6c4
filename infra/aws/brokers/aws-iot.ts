/**
 * AWS IoT Core: lifecycle events reach the ingest function through IoT topic
 * rules and an SQS queue (aws-iot-queue.ts) or the rules' batched HTTP action
 * (aws-iot-http.ts), kicks go through
 * DeleteConnection on AWS IoT's data plane (a public AWS endpoint: the kick
 * needs no VPC).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type { Construct } from 'constructs';
import { awsIotIngestEnvironment } from '../../../functions/config.js';
import type { AwsIotBrokerSource } from '../clients-api-props.js';
import type { DeadLetters } from '../dead-letters.js';
import { CLIENTS_API_DEFAULTS } from '../defaults.js';
import { TeamFunction } from '../team-function.js';
import { buildIotEventsHttp, iotEventsToken, type IotEventsHttp } from './aws-iot-http.js';
import { buildIotEventsQueue, type IotEventsQueue } from './aws-iot-queue.js';
import type { BrokerBinding, BrokerContext } from './binding.js';

/** IoT topic rules that feed the AWS IoT ingest function: connects/disconnects and subscription changes. */
export const AWS_IOT_RULE_SQL = {
  presence: "SELECT *, topic() AS topic FROM '$aws/events/presence/+/+'",
  subscriptions: "SELECT *, topic() AS topic FROM '$aws/events/subscriptions/+/+'",
} as const;

function topicRules(scope: Construct, action: iot.CfnTopicRule.ActionProperty, deadLetters: DeadLetters): iot.CfnTopicRule[] {
  return Object.entries(AWS_IOT_RULE_SQL).map(([name, sql]) => {
    const id = `IotLifecycle${name[0]!.toUpperCase()}${name.slice(1)}Rule`;
    return new iot.CfnTopicRule(scope, id, {
      topicRulePayload: {
        description: `AWS IoT ${name} lifecycle events to the clients API`,
        sql,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [action],
        // What the rule could not hand over leaves a trace in the stack's dead-letter queue.
        errorAction: deadLetters.iotErrorAction(),
      },
    });
  });
}

export function bindAwsIotBroker(context: BrokerContext, broker: AwsIotBrokerSource): BrokerBinding {
  const { scope, sessions } = context;
  const stack = Stack.of(scope);
  const delivery = broker.delivery ?? CLIENTS_API_DEFAULTS.awsIotDelivery;
  const token = delivery === 'http' ? iotEventsToken(scope) : undefined;
  const ingestFunction = new TeamFunction(scope, 'IngestAwsIot', {
    ...context.functionDefaults,
    entry: 'functions/ingest-aws-iot.ts',
    description: `AWS IoT Core lifecycle events (topic rules, ${delivery === 'http' ? 'batched HTTP action to the function URL' : 'through an SQS queue'})`,
    // A queued batch of 1,000 events takes about a second; the limit bounds a stuck invocation, and the queue's visibility follows it.
    timeout: Duration.seconds(30),
    environment: awsIotIngestEnvironment({
      ...sessions.settings,
      node: `aws-iot@${stack.region}`,
      sessionExpirySeconds: broker.sessionExpirySeconds ?? CLIENTS_API_DEFAULTS.awsIotSessionExpirySeconds,
      persistentSessions: broker.persistentSessions ?? false,
      ...(token ? { delivery, ingestToken: { tokenSecretArn: token.secretArn } } : {}),
    }),
  });
  sessions.bind(ingestFunction, 'write');
  const events: IotEventsQueue | IotEventsHttp = token
    ? buildIotEventsHttp(scope, ingestFunction, token)
    : buildIotEventsQueue(scope, ingestFunction, { consumers: context.queueConsumers });
  const rules = (broker.createTopicRules ?? true) ? topicRules(scope, events.ruleAction, context.deadLetters) : [];
  // The rules use the stack's destination instead of creating one of their own.
  if ('destination' in events) for (const rule of rules) rule.addResourceDependency(events.destination);

  return {
    kickPath: {
      via: 'aws-iot',
      brokerTimeoutMs: context.brokerTimeoutMs,
      ...(broker.iotDataEndpoint ? { iotDataEndpoint: broker.iotDataEndpoint } : {}),
    },
    kickNetwork: {},
    grantKick: (kick) => {
      // The data plane acts before it answers: the kick records the end itself.
      sessions.bind(kick, 'write');
      kick.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DisconnectIotClients',
          actions: ['iot:DeleteConnection'],
          resources: [stack.formatArn({ service: 'iot', resource: 'client', resourceName: '*' })],
        }),
      );
      Validations.of(kick.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:client/*]',
        reason:
          'DELETE /clients/{clientid} may disconnect any client of the account, whose ids are not known at deploy time; the statement allows iot:DeleteConnection alone, on client resources alone.',
      });
    },
    ingestFunction,
    ...('queue' in events
      ? { iotEventsQueue: events.queue, iotEventsDeadLetterQueue: events.deadLetterQueue }
      : { iotEventsUrl: events.url, iotEventsDestination: events.destination }),
    iotTopicRules: rules,
  };
}
