/**
 * DynamoDB failures on demand, injected into a real client's middleware stack
 * just below the response deserializer: an injected error response is parsed
 * and retried by the SDK exactly as one from DynamoDB would be.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type Fault =
  /** DynamoDB answers 400 with this error type; the request never reaches the table. */
  | { kind: 'error-response'; type: string; status?: number; fields?: Record<string, unknown> }
  /** The request times out before it reaches DynamoDB, as the SDK's HTTP handler reports it. */
  | { kind: 'timeout-before-send' }
  /** The request reaches DynamoDB and is applied, but the reply is lost to a timeout. */
  | { kind: 'timeout-after-send' }
  /** The connection is reset before anything is sent. */
  | { kind: 'connection-reset' };

export type FaultRequest = { commandName: string; input: Record<string, unknown> };

/** Decides per request; `undefined` lets the request through untouched. */
export type FaultRule = (request: FaultRequest) => Fault | undefined | Promise<Fault | undefined>;

export type FaultInjector = {
  /** Requests that reached the injection point (every SDK attempt counts). */
  readonly requests: FaultRequest[];
  /** How many requests were failed. */
  readonly injected: number;
  setRule(rule: FaultRule | undefined): void;
  remove(): void;
};

const MIDDLEWARE_NAME = 'testFaultInjection';

function timeoutError(): Error {
  return Object.assign(new Error('@smithy/node-http-handler - a request has exceeded the configured 1000 ms requestTimeout.'), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
  });
}

function errorResponse(type: string, status: number, fields: Record<string, unknown> = {}) {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${type}`, ...fields });
  return {
    response: {
      statusCode: status,
      reason: 'Bad Request',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'injected' },
      body: new TextEncoder().encode(body),
    },
  };
}

type Stack = DynamoDBDocumentClient['middlewareStack'];
type AnyMiddleware = Parameters<Stack['addRelativeTo']>[0];

export function injectFaults(db: DynamoDBDocumentClient, initial?: FaultRule): FaultInjector {
  let rule = initial;
  const requests: FaultRequest[] = [];
  let injected = 0;
  const middleware = ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const request = { commandName: context.commandName ?? 'unknown', input: args.input };
      requests.push(request);
      const fault = rule ? await rule(request) : undefined;
      if (!fault) return next(args);
      injected++;
      switch (fault.kind) {
        case 'error-response':
          return errorResponse(fault.type, fault.status ?? (fault.type === 'InternalServerError' ? 500 : 400), fault.fields);
        case 'timeout-before-send':
          throw timeoutError();
        case 'timeout-after-send': {
          const response = (await next(args)) as { response?: { body?: { resume?: () => void } } };
          // Drain the real reply so the socket is reusable; the caller never sees it.
          response.response?.body?.resume?.();
          throw timeoutError();
        }
        case 'connection-reset':
          throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
      }
    }) as unknown as AnyMiddleware;
  db.middlewareStack.addRelativeTo(middleware, {
    name: MIDDLEWARE_NAME,
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    override: true,
  });
  return {
    requests,
    get injected() {
      return injected;
    },
    setRule(next) {
      rule = next;
    },
    remove() {
      db.middlewareStack.remove(MIDDLEWARE_NAME);
    },
  };
}

/** A rule that fails the first `times` requests matching `match`, then lets everything through. */
export function failFirst(times: number, fault: Fault, match: (request: FaultRequest) => boolean = () => true): FaultRule {
  let left = times;
  return (request) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return fault;
  };
}

export const isCommand =
  (...names: string[]) =>
  (request: FaultRequest) =>
    names.includes(request.commandName);

/** Every request of `db` waits `ms` before it is sent, as from a slow or far DynamoDB. */
export const delayEvery = (db: DynamoDBDocumentClient, ms: number): FaultInjector =>
  injectFaults(db, async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return undefined;
  });
