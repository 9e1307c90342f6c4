/**
 * Why a request failed, in the domain's terms: no HTTP status, no error code.
 * Each API dialect (functions/dialects/) shows a reason in its own way; the
 * http frame shows it as the native `{code, message}`.
 */
export type FailureReason =
  /** A request value the domain cannot take: its name as the caller wrote it, and what it accepts. */
  | { kind: 'invalid-parameter'; parameter: string; accepts: string }
  /** A paging cursor that is not one of ours, or belongs to other filters. */
  | { kind: 'bad-cursor'; accepts: string }
  /** An offset page whose start the index walk did not reach within the time budget. */
  | { kind: 'offset-too-deep' }
  /** An answer over what a Lambda response may hold; `parameter` is the limit to lower. */
  | { kind: 'response-too-large'; parameter: string; maxBytes: number }
  | { kind: 'client-not-found' }
  /** The caller's app role may not do this (a viewer app asking for a kick). */
  | { kind: 'forbidden'; role: string }
  /** The sessions store throttled or could not be reached, after the SDK's own retries. */
  | { kind: 'store-busy' }
  /** The request's time ran out before the store or the broker answered. */
  | { kind: 'deadline-exceeded' }
  /** The broker's control channel could not take a command; `detail` (hosts, addresses, the broker's words) goes to the log only. */
  | { kind: 'broker-unavailable'; detail: string }
  /** Anything unforeseen: shown as no more than its kind. */
  | { kind: 'internal' };

export type FailureKind = FailureReason['kind'];

/** The reason as words for the caller, in the native names of the request's parameters. */
export function describeFailure(reason: FailureReason): string {
  switch (reason.kind) {
    case 'invalid-parameter':
      return `invalid parameter ${reason.parameter}: ${reason.accepts}`;
    case 'bad-cursor':
      return `invalid parameter _cursor: ${reason.accepts}`;
    case 'offset-too-deep':
      return 'invalid parameter _page: the rows before this page could not all be read within the time budget; page with _cursor instead (meta.cursor)';
    case 'response-too-large':
      return `invalid parameter ${reason.parameter}: the answer is over the ${reason.maxBytes} bytes a response may hold; ask for fewer rows, or send Accept-Encoding: gzip`;
    case 'client-not-found':
      return 'Client not found';
    case 'forbidden':
      return `an app of role ${reason.role} may not do this: only an administrator app may kick clients`;
    case 'store-busy':
      return 'the sessions store is busy, retry later';
    case 'deadline-exceeded':
      return 'no answer from the sessions store or the broker in time; retry later';
    case 'broker-unavailable':
      return 'the broker is unavailable, retry later';
    case 'internal':
      return 'internal error';
    default:
      return unreachable(reason);
  }
}

/** The `never` check of a switch over every reason: a reason added later fails to compile until it is handled. */
export function unreachable(reason: never): never {
  throw new Error(`unhandled failure reason ${JSON.stringify(reason)}`);
}

/** The reason as the log shows it: the caller's words and what only the log may tell. */
function logMessageOf(reason: FailureReason): string {
  return reason.kind === 'broker-unavailable' ? `${describeFailure(reason)} (${reason.detail})` : describeFailure(reason);
}

export class Failure extends Error {
  constructor(readonly reason: FailureReason) {
    super(logMessageOf(reason));
    this.name = 'Failure';
  }
}

/** Whether `error` is a failure of this kind. */
export function isFailure<K extends FailureKind>(error: unknown, kind: K): error is Failure & { reason: Extract<FailureReason, { kind: K }> } {
  return error instanceof Failure && error.reason.kind === kind;
}

export const invalidParameter = (parameter: string, accepts: string) => new Failure({ kind: 'invalid-parameter', parameter, accepts });

/** The kinds of reason that carry nothing but their kind. */
type BareKind = FailureReason extends infer R ? (R extends { kind: infer K } ? (keyof R extends 'kind' ? K : never) : never) : never;

/** A failure with no detail to it. */
export const failure = (kind: BareKind) => new Failure({ kind } as FailureReason);
