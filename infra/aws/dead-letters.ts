/**
 * Where failed asynchronous invocations land instead of vanishing: one
 * encrypted SQS queue that takes what Lambda gave up on (the scheduled
 * sweeper and reconciliation), what
 * EventBridge could not deliver, and what an IoT rule could not hand to its
 * action. DEPLOY.md ("After deploying") says how to read and replay it.
 * Created in the given scope.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as iot from 'aws-cdk-lib/aws-iot';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export class DeadLetters {
  /** The queue; its depth is alarmed on (monitoring/alarms.ts). */
  public readonly queue: sqs.Queue;
  private iotRole: iam.Role | undefined;

  constructor(private readonly scope: Construct) {
    this.queue = new sqs.Queue(scope, 'DeadLetterQueue', {
      // SSE-SQS: Lambda, EventBridge and IoT can all send to it without a key policy.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: time to notice the alarm and replay.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the stack: messages are read and replayed by an operator (DEPLOY.md), never consumed by a function that could fail them on.',
    });
  }

  /**
   * The IoT rule error action: what the rule's Lambda action could not
   * deliver goes to the queue, through a role that may send to it and do
   * nothing else.
   */
  public iotErrorAction(): iot.CfnTopicRule.ActionProperty {
    if (!this.iotRole) {
      this.iotRole = new iam.Role(this.scope, 'IotErrorActionRole', {
        assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
        description: 'Lets the AWS IoT lifecycle rules send what they could not deliver to the dead-letter queue',
      });
      this.queue.grantSendMessages(this.iotRole);
    }
    return { sqs: { queueUrl: this.queue.queueUrl, roleArn: this.iotRole.roleArn, useBase64: false } };
  }
}
