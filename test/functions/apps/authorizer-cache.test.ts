/**
 * The app authorizer's warm cache and its constant-time checks, against an
 * apps table in DynamoDB Local. `node:crypto` is wrapped (not replaced) so
 * the test sees every keyed hash, every scrypt derivation and every
 * comparison the authorizer makes.
 */
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { AppStore, newAppId } from '../../../functions/apps/app-store.js';
import { createAppsTableInput } from '../../../functions/apps/table.js';
import type { AuthorizerResult } from '../../../functions/authorize-app.js';
import { localDocumentClient } from '../../support/dynamodb.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    createHmac: vi.fn(original.createHmac),
    scrypt: vi.fn(original.scrypt),
    timingSafeEqual: vi.fn(original.timingSafeEqual),
  };
});

/** Long enough that a check right after a read is surely within it, short enough to wait out. */
const CACHE_TTL_MS = 3000;

const endpoint = inject('dynamodbEndpoint');
const tableName = `apps-${randomUUID()}`;
const db = localDocumentClient(endpoint);
const store = new AppStore(db, tableName);
let authorize: (event: unknown) => Promise<AuthorizerResult>;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const request = (authorization: string) => ({ version: '2.0', type: 'REQUEST', routeKey: 'GET /api/v4/clients', headers: { authorization } });
const createHmac = vi.mocked(crypto.createHmac);
const scrypt = vi.mocked(crypto.scrypt);
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

beforeAll(async () => {
  await db.send(new CreateTableCommand(createAppsTableInput(tableName)));
  Object.assign(process.env, {
    APPS_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    APP_CACHE_TTL_MS: String(CACHE_TTL_MS),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  authorize = (await import('../../../functions/authorize-app.js')).handler;
});
afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName: tableName }));
  db.destroy();
});
const clearCalls = () => [createHmac, scrypt, timingSafeEqual].forEach((mock) => mock.mockClear());
beforeEach(clearCalls);

describe('the warm cache of app records', () => {
  it('answers from the cached record within its time, and from the table after it', async () => {
    const app = await store.create('cached');
    const header = basic(app.app_id, app.secret);
    expect((await authorize(request(header))).isAuthorized).toBe(true);
    // The record is gone from the table; a read would refuse. Within the cache time none is made.
    await db.send(new DeleteCommand({ TableName: tableName, Key: { app_id: app.app_id } }));
    expect((await authorize(request(header))).isAuthorized).toBe(true);
    await expect.poll(async () => (await authorize(request(header))).isAuthorized, { timeout: CACHE_TTL_MS * 4, interval: 100 }).toBe(false);
  });

  it('caches an absent app too: a record written back is taken once the cached absence expires', async () => {
    const app = await store.create('late');
    const header = basic(app.app_id, app.secret);
    const item = await store.get(app.app_id);
    await db.send(new DeleteCommand({ TableName: tableName, Key: { app_id: app.app_id } }));
    expect((await authorize(request(header))).isAuthorized).toBe(false);
    await db.send(new PutCommand({ TableName: tableName, Item: item }));
    expect((await authorize(request(header))).isAuthorized).toBe(false);
    await expect.poll(async () => (await authorize(request(header))).isAuthorized, { timeout: CACHE_TTL_MS * 4, interval: 100 }).toBe(true);
  });
});

describe('the event API Gateway hands over', () => {
  it('finds the credentials in the identity source, or in the headers under any letter case', async () => {
    const app = await store.create('event shapes');
    const header = basic(app.app_id, app.secret);
    const routeKey = 'GET /api/v4/clients';
    expect((await authorize({ version: '2.0', type: 'REQUEST', routeKey, identitySource: [header], headers: {} })).isAuthorized).toBe(true);
    expect((await authorize({ version: '2.0', type: 'REQUEST', routeKey, headers: { Authorization: header } })).isAuthorized).toBe(true);
    expect((await authorize({ version: '2.0', type: 'REQUEST', routeKey, headers: { authorization: header } })).isAuthorized).toBe(true);
    expect((await authorize({ version: '2.0', type: 'REQUEST', routeKey, identitySource: [basic(app.app_id, 'wrong')], headers: {} })).isAuthorized).toBe(false);
    expect((await authorize({ version: '2.0', type: 'REQUEST', routeKey, headers: { 'x-authorization': header } })).isAuthorized).toBe(false);
  });
});

describe('constant-time checks', () => {
  /** The keyed hashes and scrypt derivations of one authorizer call, and the comparisons it made. */
  async function workOf(header: string) {
    clearCalls();
    const result = await authorize(request(header));
    return {
      isAuthorized: result.isAuthorized,
      hashes: createHmac.mock.calls.map(([algorithm]) => algorithm),
      derivations: scrypt.mock.calls.length,
      comparisons: timingSafeEqual.mock.calls.map(([a, b]) => [(a as Buffer).length, (b as Buffer).length]),
    };
  }

  it('makes the same one HMAC-SHA-256 and one 32-byte comparison for a wrong secret, an unknown id and a revoked app', async () => {
    const app = await store.create('timing');
    const revoked = await store.create('revoked');
    const unknownId = newAppId();
    await store.revoke(revoked.app_id);
    // Warm the records and the decoy record an unknown id is checked against.
    await authorize(request(basic(app.app_id, 'warm-up')));
    await authorize(request(basic(revoked.app_id, 'warm-up')));
    await authorize(request(basic(unknownId, 'warm-up')));

    const one = { hashes: ['sha256'], derivations: 0, comparisons: [[32, 32]] };
    const cases = {
      'wrong secret': basic(app.app_id, `${app.secret.slice(0, -1)}${app.secret.endsWith('A') ? 'B' : 'A'}`),
      'unknown id': basic(unknownId, app.secret),
      'revoked app, right secret': basic(revoked.app_id, revoked.secret),
    };
    for (const [name, header] of Object.entries(cases)) {
      expect(await workOf(header), name).toEqual({ isAuthorized: false, ...one });
    }
    // The right secret goes the same way, and passes.
    expect(await workOf(basic(app.app_id, app.secret))).toEqual({ isAuthorized: true, ...one });
  });

  it('refuses malformed headers without a table read or a hash: they carry no secret to check', async () => {
    for (const header of ['Basic', 'Basic !!!', 'Basic Zm9v', 'Bearer abc', 'basicZm9vOmJhcg==', '']) {
      const work = await workOf(header);
      expect(work, header).toEqual({ isAuthorized: false, hashes: [], derivations: 0, comparisons: [] });
    }
  });
});
