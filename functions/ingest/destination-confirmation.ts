/**
 * The confirmation request AWS IoT sends to an HTTP topic rule destination
 * once it is created, and its answer: the destination is confirmed by
 * fetching the request's `enableUrl`, which needs no AWS credentials, so the
 * function holds no `iot:ConfirmTopicRuleDestination` grant.
 *
 * The request, as documented at
 * https://docs.aws.amazon.com/iot/latest/developerguide/rule-destination-http-managing.html:
 * `POST {confirmationUrl}/?confirmationToken={token}`, headers
 * `x-amz-rules-engine-message-type: DestinationConfirmation` and
 * `x-amz-rules-engine-destination-arn`, body
 * `{"arn", "confirmationToken", "enableUrl", "messageType"}` with `enableUrl`
 * `https://iot.<region>.amazonaws.com/confirmdestination/<token>`. The
 * destination has no authentication settings of its own (CreateTopicRuleDestination
 * takes a `confirmationUrl` alone), so the request carries neither the rule's
 * headers nor a signature: it is recognized by its header and its content.
 */
import { ApiError } from '../http/errors.js';
import type { HttpEvent } from '../http/handler.js';
import { InvalidEventError } from '../sources/invalid-event.js';
import { IngestUnavailableError } from './request.js';

export const CONFIRMATION_MESSAGE_TYPE = 'DestinationConfirmation';

export type DestinationConfirmation = { arn: string; confirmationToken: string; enableUrl: string };

/** Fetches a URL with GET and resolves with the HTTP status; the global `fetch` by default. */
export type UrlFetcher = (url: string) => Promise<number>;

export const isDestinationConfirmation = (event: HttpEvent): boolean =>
  event.headers['x-amz-rules-engine-message-type'] === CONFIRMATION_MESSAGE_TYPE;

/**
 * The request's fields, or a 400: the enable URL must be AWS IoT's own, in
 * this function's region, for the request's token. A forged request can
 * thus make the function fetch nothing but an AWS IoT confirmation.
 */
export function readConfirmation(event: HttpEvent, region: string): DestinationConfirmation {
  let body: Partial<Record<keyof DestinationConfirmation, unknown>>;
  try {
    body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '')) as typeof body;
  } catch {
    throw new InvalidEventError('body', 'the JSON of an AWS IoT destination confirmation');
  }
  const { arn, confirmationToken, enableUrl } = body ?? {};
  if (typeof confirmationToken !== 'string' || confirmationToken === '') throw new InvalidEventError('confirmationToken', 'a non-empty string');
  if (typeof arn !== 'string' || (!arn.startsWith(`arn:aws:iot:${region}:`) && !arn.startsWith(`arn:aws-cn:iot:${region}:`))) {
    throw new InvalidEventError('arn', `the ARN of a topic rule destination in ${region}`);
  }
  const expected = [`https://iot.${region}.amazonaws.com`, `https://iot.${region}.amazonaws.com.cn`].map(
    (origin) => `${origin}/confirmdestination/${confirmationToken}`,
  );
  if (typeof enableUrl !== 'string' || !expected.includes(enableUrl)) {
    throw new InvalidEventError('enableUrl', `AWS IoT's confirmation URL in ${region} for the request's token`);
  }
  return { arn, confirmationToken, enableUrl };
}

const fetchStatus: UrlFetcher = async (url) => (await fetch(url, { method: 'GET', signal: AbortSignal.timeout(2_000) })).status;

/** Confirms the destination; a failure answers 503, and the destination stays unconfirmed until its confirmation is sent again (DEPLOY.md). */
export async function confirmDestination(confirmation: DestinationConfirmation, fetchUrl: UrlFetcher = fetchStatus): Promise<void> {
  let status: number;
  try {
    status = await fetchUrl(confirmation.enableUrl);
  } catch (error) {
    throw new IngestUnavailableError(`the destination ${confirmation.arn} could not be confirmed`, error);
  }
  if (status < 200 || status >= 300) {
    throw new ApiError(502, 101, `AWS IoT answered ${status} to the confirmation of ${confirmation.arn}`);
  }
}
