/**
 * The errors a request can end in, and the one place they become HTTP
 * responses. Codes are EMQX 4's: 101 node/backend unavailable, 102 internal,
 * 108 bad parameter, 112 client not found.
 */
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

export class InvalidParameterError extends ApiError {
  constructor(parameter: string, accepts: string) {
    super(400, 108, `invalid parameter ${parameter}: ${accepts}`);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message: string, challenge: string) {
    super(401, 401, message, { 'www-authenticate': challenge });
  }
}

export class ClientNotFoundError extends ApiError {
  constructor() {
    super(404, 112, 'Client not found');
  }
}

export class ControlChannelUnavailableError extends ApiError {
  constructor(detail: string) {
    super(503, 101, `broker control channel unavailable: ${detail}`, { 'Retry-After': '1' });
  }
}

export class BackendBusyError extends ApiError {
  constructor() {
    super(503, 101, 'the sessions store is busy, retry later', { 'Retry-After': '1' });
  }
}

/** The request's time ran out before the store or the broker answered. */
export class DeadlineExceededError extends ApiError {
  constructor() {
    super(503, 101, 'no answer from the sessions store or the broker in time; retry later', { 'Retry-After': '1' });
  }
}

export class InternalError extends ApiError {
  constructor() {
    super(500, 102, 'internal error');
  }
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

/** What the caller may see of any failure: an ApiError as it is, anything else reduced to its class. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isBusy(error)) return new BackendBusyError();
  return new InternalError();
}
