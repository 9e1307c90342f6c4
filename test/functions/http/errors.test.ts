/**
 * How failures become responses: ApiErrors as they are, DynamoDB throttling
 * as 503 with Retry-After, anything else as a bare 500. The DynamoDB client is
 * stubbed here, and only here, since DynamoDB Local never throttles.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { getHandler } from '../../../functions/api/get-handler.js';
import { failure, Failure, invalidParameter } from '../../../functions/failures.js';
import { ApiError, toApiError, UnauthorizedError } from '../../../functions/http/errors.js';
import { httpHandler } from '../../../functions/http/handler.js';
import { jsonResponse } from '../../../functions/http/response.js';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { SessionStore } from '../../../functions/sessions/store.js';
import { expectApiError, invoke } from '../../support/api-calls.js';
import { quietObservability } from '../../support/handlers.js';
import { getEvent } from '../../support/http.js';

const $metadata = { httpStatusCode: 400 };
const throttled = () => [
  new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata }),
  new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata }),
  new RequestLimitExceeded({ message: 'Throughput exceeds the current throughput limit for your account', $metadata }),
];

const silentLogger = () => new Logger({ logLevel: 'SILENT' });

describe('toApiError', () => {
  it('keeps an ApiError as it is', () => {
    for (const error of [new ApiError(404, 404, 'not here'), new UnauthorizedError('who are you', 'Bearer realm="ingest"')]) {
      expect(toApiError(error)).toBe(error);
    }
  });

  it('shows a domain failure as the native {code, message}, with Retry-After where it may be retried', () => {
    const native = (error: Failure) => {
      const { status, code, message, headers } = toApiError(error);
      return { status, code, message, headers };
    };
    expect(native(invalidParameter('_limit', 'an integer'))).toEqual({ status: 400, code: 108, message: 'invalid parameter _limit: an integer', headers: {} });
    expect(native(new Failure({ kind: 'bad-cursor', accepts: 'a cursor' }))).toEqual({ status: 400, code: 108, message: 'invalid parameter _cursor: a cursor', headers: {} });
    expect(native(failure('client-not-found'))).toEqual({ status: 404, code: 112, message: 'Client not found', headers: {} });
    expect(native(new Failure({ kind: 'broker-unavailable', detail: 'down' }))).toEqual({
      status: 503,
      code: 101,
      message: 'the broker is unavailable, retry later',
      headers: { 'Retry-After': '1' },
    });
    expect(native(failure('deadline-exceeded'))).toMatchObject({ status: 503, code: 101, headers: { 'Retry-After': '1' } });
    expect(native(failure('internal'))).toEqual({ status: 500, code: 102, message: 'internal error', headers: {} });
  });

  it('turns DynamoDB throttling into 503 {code: 101} with Retry-After', () => {
    for (const error of throttled()) {
      const apiError = toApiError(error);
      expect(apiError, error.name).toMatchObject({ status: 503, code: 101 });
      expect(apiError.headers['Retry-After']).toMatch(/^\d+$/);
      expect(apiError.message).not.toContain(error.message);
    }
  });

  it('turns network failures that outlasted the retries into 503, not 500', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']) {
      const error = Object.assign(new Error(`socket: ${code}`), { code });
      expect(toApiError(error), code).toMatchObject({ status: 503, code: 101 });
    }
  });

  it('recognises throttling the SDK marks as such, whatever its name', () => {
    const error = new DynamoDBServiceException({ name: 'SlowDown', $fault: 'server', $metadata, message: 'slow down' });
    Object.assign(error, { $retryable: { throttling: true } });
    expect(toApiError(error)).toMatchObject({ status: 503, code: 101 });
  });

  it('reduces anything else to 500 {code: 102, message: "internal error"}', () => {
    const others: unknown[] = [
      new Error('secret at /var/task/index.mjs:12'),
      new TypeError('x is undefined'),
      new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata, message: 'bad key' }),
      'a string',
      undefined,
      { status: 400, code: 108 },
    ];
    for (const error of others) {
      const apiError = toApiError(error);
      expect(apiError).toBeInstanceOf(ApiError);
      expect({ status: apiError.status, code: apiError.code, message: apiError.message }).toEqual({ status: 500, code: 102, message: 'internal error' });
    }
  });
});

describe('httpHandler', () => {
  const event = getEvent('some-client');

  it('answers what the operation returns', async () => {
    const handler = httpHandler(silentLogger(), async () => jsonResponse(200, { code: 0, data: [] }));
    const response = await invoke(handler, event);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0, data: [] });
  });

  it.each(throttled().map((e) => [e.name, e] as const))('answers %s with 503 {code: 101} and Retry-After', async (_, error) => {
    const handler = httpHandler(silentLogger(), async () => Promise.reject(error));
    const response = await invoke(handler, event);
    expectApiError(response, 503, 101);
    expect(response.headers['retry-after']).toBe('1');
  });

  it('answers throttling of the sessions table during a real read with 503, not 500', async () => {
    // Every send is answered by the spy below; the endpoint, a port just closed, is never reached.
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    const send = vi.spyOn(db, 'send').mockRejectedValue(
      new ProvisionedThroughputExceededException({ message: 'throughput exceeded', $metadata }) as never,
    );
    const store = new SessionStore(db, { tableName: 'sessions', shards: 1 });
    const handler = getHandler({ ...quietObservability(), store });
    const response = await invoke(handler, event);
    expect(send).toHaveBeenCalledTimes(1);
    expectApiError(response, 503, 101);
    expect(response.headers['retry-after']).toBe('1');
  });

  it('answers an ApiError with its own status, code and headers', async () => {
    const handler = httpHandler(silentLogger(), async () => Promise.reject(new UnauthorizedError('missing token', 'Bearer realm="ingest"')));
    const response = await invoke(handler, event);
    expectApiError(response, 401, 401, 'missing token');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="ingest"');
  });

  it('answers a domain failure with its native status and code', async () => {
    const handler = httpHandler(silentLogger(), async () => Promise.reject(invalidParameter('_limit', 'an integer from 1 to 1000')));
    const body = expectApiError(await invoke(handler, event), 400, 108, '_limit');
    expect(body.message).toBe('invalid parameter _limit: an integer from 1 to 1000');
  });

  it('answers an unexpected failure with 500 {code: 102, message: "internal error"}, logging it but never showing it', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const failure = new Error('connection string postgres://user:pw@db');
    const handler = httpHandler(logger, async () => Promise.reject(failure));
    const response = await invoke(handler, event);
    expect(expectApiError(response, 500, 102)).toEqual({ code: 102, message: 'internal error' });
    expect(response.raw).not.toContain('postgres');
    expect(logged).toHaveBeenCalledWith('request failed', expect.objectContaining({ error: failure }));
  });

  it('answers an event that is not an API Gateway v2 request with 500 {code: 102}, without running the operation', async () => {
    const operation = vi.fn(async () => jsonResponse(200, {}));
    const handler = httpHandler(silentLogger(), operation);
    for (const bad of [undefined, null, {}, [], 'event', { ...event, requestContext: undefined }, { ...event, version: 2 }]) {
      expect(expectApiError(await invoke(handler, bad), 500, 102)).toEqual({ code: 102, message: 'internal error' });
    }
    expect(operation).not.toHaveBeenCalled();
  });
});
