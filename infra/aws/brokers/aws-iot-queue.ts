/**
 * The queue between the AWS IoT lifecycle rules and the ingest function: the
 * rules' `sqs` action sends each event to it, the function consumes it in
 * batches and names the messages it could not store, SQS delivers those
 * again, and after MAX_RECEIVES moves them to a dead-letter queue kept 14
 * days for replay (DEPLOY.md, "After deploying"). Nothing is dropped after a
 * few retries, as it was when the rules invoked the function.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as iot from 'aws-cdk-lib/aws-iot';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TeamFunction } from '../team-function.js';

/** Deliveries of one message before it goes to the dead-letter queue. */
export const MAX_RECEIVES = 5;

/** Messages one invocation takes, and how long the mapping gathers them (Lambda asks for a window of at least 1 s above 10). */
export const QUEUE_BATCH = { size: 1000, windowSeconds: 1 } as const;

/** AWS's advice: a visibility timeout of six times the function's, so that retries of a throttled invocation do not redeliver. */
const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;

export interface IotEventsQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The rules' action: send the event as it is to the queue, through a role that may do that alone. */
  readonly ruleAction: iot.CfnTopicRule.ActionProperty;
}

export function buildIotEventsQueue(scope: Construct, ingest: TeamFunction, props: { readonly consumers: number }): IotEventsQueue {
  const deadLetterQueue = new sqs.Queue(scope, 'IotEventsDeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS keeps a message: time to notice the alarm and replay.
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue of the AWS IoT events queue: an operator reads and replays it (DEPLOY.md).',
  });
  const queue = new sqs.Queue(scope, 'IotEventsQueue', {
    // SSE-SQS: the IoT rule sends without a key policy.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(VISIBILITY_PER_FUNCTION_TIMEOUT * ingest.timeout!.toSeconds() + QUEUE_BATCH.windowSeconds),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
  });

  // Grants the function ReceiveMessage, DeleteMessage, ChangeMessageVisibility and the queue's attributes: consuming, nothing else.
  ingest.addEventSource(
    new lambdaEventSources.SqsEventSource(queue, {
      batchSize: QUEUE_BATCH.size,
      maxBatchingWindow: Duration.seconds(QUEUE_BATCH.windowSeconds),
      reportBatchItemFailures: true,
      // What the table's shards sustain (fleet-sizing.ts): a storm beyond it waits in the queue.
      maxConcurrency: props.consumers,
    }),
  );

  const role = new iam.Role(scope, 'IotEventsRuleRole', {
    assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
    description: 'Lets the AWS IoT lifecycle rules send their events to the events queue',
  });
  role.addToPolicy(new iam.PolicyStatement({ sid: 'SendLifecycleEvents', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  return { queue, deadLetterQueue, ruleAction: { sqs: { queueUrl: queue.queueUrl, roleArn: role.roleArn, useBase64: false } } };
}
