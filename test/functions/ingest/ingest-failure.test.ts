/** How a failure while events are stored is answered: the sender's mistakes as they are, everything else 503 so it sends again. */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { failure } from '../../../functions/failures.js';
import { ingestFailure } from '../../../functions/ingest/request.js';
import { InvalidEventError } from '../../../functions/sources/invalid-event.js';

const dynamoDbError = (name: string) => new DynamoDBServiceException({ name, $fault: 'client', $metadata: {}, message: `a ${name}` });

describe('ingestFailure', () => {
  it.each([
    ['a plain error', new Error('a bug')],
    ['a type error', new TypeError('undefined is not a function')],
    ['a DynamoDB validation error', dynamoDbError('ValidationException')],
    ['a DynamoDB throttle', dynamoDbError('ThrottlingException')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an internal failure', failure('internal')],
    ['something not an Error', 'a string'],
  ])('answers %s with 503 and Retry-After', (_, error) => {
    const answer = ingestFailure(error);
    expect(answer).toMatchObject({ status: 503, code: 101, headers: { 'Retry-After': '1' } });
  });

  it('keeps the cause of an unexpected failure for the log', () => {
    const cause = dynamoDbError('ValidationException');
    expect(ingestFailure(cause).cause).toBe(cause);
  });

  it('keeps the answer to the sender\'s own mistake', () => {
    const invalid = new InvalidEventError('clientid', 'a string');
    expect(ingestFailure(invalid)).toBe(invalid);
  });
});
