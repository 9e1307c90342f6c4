/**
 * The `http` delivery of AWS IoT lifecycle events: the topic rules post them
 * in batches of up to ten to the ingest function's URL (functions/ingest/aws-iot-batch.ts),
 * with no queue between. What it relies on, as AWS documents it:
 *
 * - Batching (https://docs.aws.amazon.com/iot/latest/developerguide/http_batching.html):
 *   2 to 10 messages a request, an open window of 5 to 200 ms, at most 128 KiB;
 *   the batch is sent as a JSON array with `Content-Type: application/json`;
 *   "the batched HTTP action is metered as a single action", in increments of
 *   5 KiB of the outbound payload; headers are the last batched message's.
 * - `batchAcrossTopics` (https://docs.aws.amazon.com/iot/latest/apireference/API_BatchConfig.html):
 *   by default only messages of one topic are batched, and every client's
 *   lifecycle topic is its own; with it, the error action's payload lists the
 *   messages in `payloadsWithMetadata`, each with its own `topic`.
 * - Destinations (https://docs.aws.amazon.com/iot/latest/developerguide/rule-destination-http-managing.html):
 *   an HTTP destination must be confirmed before the rule may use it; AWS IoT
 *   posts a confirmation request to the confirmation URL, without signature
 *   or the rule's headers (the destination has no settings for either), whose
 *   `enableUrl` confirms it. A function URL with AWS_IAM auth would refuse
 *   that request: the URL takes no IAM, and the function checks the bearer
 *   token of every other request, as the EMQX ingest does (emqx.ts).
 *   An unconfirmed destination is `IN_PROGRESS`; setting that status again
 *   sends a new request (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateTopicRuleDestination.html).
 * - Headers (https://docs.aws.amazon.com/iot/latest/apireference/API_HttpActionHeader.html)
 *   take substitution templates. No AWS page found documents `get_secret` in
 *   an HTTP action's header, so the token goes in by CloudFormation's dynamic
 *   reference to its secret, resolved at deploy time: the template holds the
 *   reference, the rule holds the value.
 * - Failures: a request that fails (a 5xx, 429 or timeout) is retried by the
 *   action (an action error quoted at https://repost.aws/questions/QUETcHkxMKSjKYyQIuVXyVVg
 *   reads "after 2 retries"), then the rule's error action takes the batch
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html):
 *   the stack's dead-letter queue (dead-letters.ts), replayed as DEPLOY.md says.
 */
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { generatedSecret, grantSecretRead } from '../secrets.js';
import type { TeamFunction } from '../team-function.js';

/**
 * One request per ten events, gathered for up to 200 ms (the most AWS allows;
 * its default is 20): a fleet's lifecycle events come at their own pace, and
 * a batch that closes on time with one event costs an action and a Lambda
 * request for that event alone, so a quiet fleet waits longer to fill it.
 * 5 KiB is one metering increment and holds ten lifecycle events of up to
 * 500 bytes each (the largest in test/fixtures/aws-iot-events.json is 408): a
 * batch of larger events closes with fewer of them instead of costing a
 * second increment.
 */
export const IOT_HTTP_BATCH = { maxBatchSize: 10, maxBatchOpenMs: 200, maxBatchSizeBytes: 5 * 1024 } as const;

/**
 * Events a batch holds on average when a fleet sends `eventsPerSecond`: the
 * first event opens it, those within the window join, up to the size. This
 * takes AWS IoT to batch all of a rule's events to one URL together, as its
 * scope says (account, rule, URL and billing group); were it to batch apart
 * on several hosts, batches would be smaller.
 */
export function expectedBatchFill(eventsPerSecond: number): number {
  return Math.min(IOT_HTTP_BATCH.maxBatchSize, 1 + (eventsPerSecond * IOT_HTTP_BATCH.maxBatchOpenMs) / 1000);
}

export interface IotEventsHttp {
  readonly url: lambda.FunctionUrl;
  readonly destination: iot.CfnTopicRuleDestination;
  /** The rules' action: post the events in batches to the URL with the bearer token. */
  readonly ruleAction: iot.CfnTopicRule.ActionProperty;
}

/** The bearer token the rules send; created before the function, whose environment names it. */
export function iotEventsToken(scope: Construct): secretsmanager.Secret {
  return generatedSecret(
    scope,
    'IotEventsToken',
    'Bearer token the AWS IoT lifecycle rules send to the ingest function URL (Authorization: Bearer <token>)',
    'The stack writes the token into the topic rules at deploy time: a rotation outside a deploy would cut the rules off. Change it and deploy again (the function re-reads it every five minutes).',
  );
}

export function buildIotEventsHttp(scope: Construct, ingest: TeamFunction, token: secretsmanager.Secret): IotEventsHttp {
  grantSecretRead(ingest, 'ReadIotEventsToken', token);
  // No API Gateway request charge; AWS IoT's confirmation request cannot be signed, so no IAM (see above).
  const url = ingest.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });
  // Left unconfirmed (IN_PROGRESS) by CloudFormation; the function confirms it when AWS IoT asks.
  const destination = new iot.CfnTopicRuleDestination(scope, 'IotEventsDestination', { httpUrlProperties: { confirmationUrl: url.url } });
  const ruleAction: iot.CfnTopicRule.ActionProperty = {
    http: {
      url: url.url,
      confirmationUrl: url.url,
      headers: [{ key: 'Authorization', value: `Bearer ${token.secretValue.unsafeUnwrap()}` }],
      enableBatching: true,
      batchConfig: { ...IOT_HTTP_BATCH, batchAcrossTopics: true },
    },
  };
  return { url, destination, ruleAction };
}
