/**
 * How a failed request answers natively: `{code, message}` with an HTTP
 * status. Codes are EMQX 4's: 101 node/backend unavailable, 102 internal,
 * 108 bad parameter, 112 client not found;
 * 401 and 403 are the HTTP statuses, as EMQX 4 has no code for them. The ingest routes throw ApiErrors
 * as they are; the domain throws Failures, shown here through NATIVE_ANSWERS.
 */
import { describeFailure, Failure, unreachable, type FailureReason } from '../failures.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message: string, challenge: string) {
    super(401, 401, message, { 'www-authenticate': challenge });
  }
}

const RETRY_LATER = { 'Retry-After': '1' };

/** The native status, code and headers of a failure reason (EMQX 4 answers the same, bar its HTTP 200 for a bad parameter). */
export function nativeAnswerOf(reason: FailureReason): { status: number; code: number; headers?: Record<string, string> } {
  switch (reason.kind) {
    case 'invalid-parameter':
    case 'bad-cursor':
    case 'offset-too-deep':
    case 'response-too-large':
      return { status: 400, code: 108 };
    case 'client-not-found':
      return { status: 404, code: 112 };
    case 'forbidden':
      return { status: 403, code: 403 };
    case 'store-busy':
    case 'deadline-exceeded':
    case 'broker-unavailable':
      return { status: 503, code: 101, headers: RETRY_LATER };
    case 'internal':
      return { status: 500, code: 102 };
    default:
      return unreachable(reason);
  }
}

/** A failure as the native surface answers it. */
export function nativeError(reason: FailureReason): ApiError {
  const { status, code, headers } = nativeAnswerOf(reason);
  return new ApiError(status, code, describeFailure(reason), headers);
}

/** DynamoDB's answers that mean "too much at once", left over after the SDK's own retries. */
const BUSY_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Network failures that outlasted the SDK's retries: the store is unreachable for now, not broken. */
const NETWORK_ERROR_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

function isBusy(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $retryable?: { throttling?: boolean }; code?: string };
  return (
    BUSY_ERROR_NAMES.has(error.name) ||
    meta.$retryable?.throttling === true ||
    (meta.code !== undefined && NETWORK_ERROR_CODES.has(meta.code))
  );
}

/** What the caller may see of any failure: an ApiError or a Failure as it is, store throttling as busy, anything else as internal. */
export function toKnownError(error: unknown): ApiError | Failure {
  if (error instanceof ApiError || error instanceof Failure) return error;
  return new Failure({ kind: isBusy(error) ? 'store-busy' : 'internal' });
}

/** Any failure as the native surface answers it. */
export function toApiError(error: unknown): ApiError {
  const known = toKnownError(error);
  return known instanceof ApiError ? known : nativeError(known.reason);
}
