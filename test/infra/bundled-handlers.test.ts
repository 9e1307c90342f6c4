/**
 * The API handlers as the stack bundles them (one CommonJS file each, with
 * the chunks it requires beside it) load in a fresh Node process and answer a
 * request end to end, against a DynamoDB stand-in that answers every call
 * empty: what runs in Lambda, not the TypeScript sources the other tests run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/aws/team-function.js';
import { API_HANDLERS, buildBundle, type BuiltBundle } from '../bench/bundles.js';
import { FIRST_REQUESTS, startEmptyDynamoDb, timeFirstRequest, type EmptyDynamoDb } from '../bench/first-request.js';

let outdir: string;
let dynamodb: EmptyDynamoDb;
const bundles = new Map<string, BuiltBundle>();

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'bundled-handlers-'));
  for (const handler of API_HANDLERS) bundles.set(handler, await buildBundle(PROJECT_ROOT, outdir, handler));
  dynamodb = await startEmptyDynamoDb();
}, 60_000);

afterAll(async () => {
  await dynamodb?.close();
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  TABLE_NAME: 'sessions',
  SESSION_SHARDS: '4',
  CURSOR_SECRET: 'bundled-handlers-cursor-secret',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLEDHANDLERS',
  AWS_SECRET_ACCESS_KEY: 'bundled-handlers-secret',
  DYNAMODB_ENDPOINT: dynamodb.endpoint,
  CONTROL_BROKER_URL: 'mqtt://127.0.0.1:1',
});

describe('bundled API handlers', () => {
  it.each([
    ['list-clients', 200, 'Query'],
    ['get-client', 200, 'GetItem'],
    ['kick-client', 404, 'GetItem'],
  ] as const)('%s loads and answers %s, calling DynamoDB (%s)', async (handler, status, operation) => {
    dynamodb.calls.length = 0;
    const answer = await timeFirstRequest(process.execPath, bundles.get(handler)!.file, env(), FIRST_REQUESTS[handler]!.event);
    expect(answer.status).toBe(status);
    expect(dynamodb.calls).toContain(operation);
  });
});
