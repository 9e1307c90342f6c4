/**
 * What every ingest route shares: the body read as JSON (one event, or a
 * batch as an array), a deadline inside the sender's own timeout, and
 * failures answered so that the sender retries: EMQX 5 retries only 429 and
 * 503, and drops the event on any other status, a 500 included
 * (`transform_result` in emqx_bridge_http_connector.erl, 5.8).
 */
import { ApiError } from '../http/errors.js';
import type { HttpEvent } from '../http/handler.js';
import { InvalidEventError } from '../sources/invalid-event.js';

/** Events one request may carry (an EMQX 5 action with batching sends arrays). */
export const MAX_BATCH = 1000;

/**
 * EMQX 4.4 waits 5 s for a webhook answer inside the client's own process;
 * answering 503 before that keeps its connects and disconnects moving.
 */
export const INGEST_DEADLINE_MS = 4_000;

export function jsonBodies(event: HttpEvent): unknown[] {
  const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidEventError('body', 'a JSON object, or an array of them');
  }
  const bodies = Array.isArray(parsed) ? parsed : [parsed];
  if (bodies.length > MAX_BATCH) throw new InvalidEventError('body', `at most ${MAX_BATCH} events a request`);
  return bodies;
}

export class IngestUnavailableError extends ApiError {
  constructor(detail: string, cause?: unknown) {
    super(503, 101, `events not stored, send again: ${detail}`, { 'Retry-After': '1' });
    // Logged with the 503; never shown to the sender.
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * The answer to a failure while events are stored. The sender's own mistakes
 * (an ApiError below 500) keep their answer. Anything else, transient
 * (throttling, a network error, the deadline) or unknown (a validation error,
 * a bug), answers 503 with `Retry-After` so that the sender keeps the events
 * and sends them again: never 500, on which EMQX 5 drops them.
 */
export function ingestFailure(error: unknown): ApiError {
  if (error instanceof ApiError && error.status < 500) return error;
  if (error instanceof IngestUnavailableError) return error;
  return new IngestUnavailableError('the sessions store failed', error);
}

/**
 * Runs `work` within the deadline; a failure is answered as `ingestFailure`
 * says. At the deadline `work`'s signal is aborted before the answer, so that
 * it begins nothing more once the sender was told to send again.
 */
export async function ingestWithin<T>(work: (signal: AbortSignal) => Promise<T>, deadlineMs: number = INGEST_DEADLINE_MS): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const late = new IngestUnavailableError(`not done within ${deadlineMs} ms`);
      controller.abort(late);
      reject(late);
    }, deadlineMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } catch (error) {
    throw ingestFailure(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Events that can never be stored (past the topic set's cap): dropped, the
 * rest of the batch stored. 422 is neither 429 nor 503, so EMQX 5's HTTP
 * action drops the request instead of retrying it (and counts it failed);
 * EMQX 4.4's WebHook retries no status at all.
 */
export class UnstorableEventsError extends ApiError {
  constructor(reasons: readonly string[]) {
    const shown = reasons.slice(0, 3).join('; ');
    super(422, 108, `${reasons.length} event(s) cannot be stored and are dropped, do not send them again (the rest is stored): ${shown}`);
  }
}

export const noContent = () => ({ statusCode: 204, headers: {}, body: '' });
