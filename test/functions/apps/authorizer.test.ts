/** The app authorizer of /api/v4 and /api/v5, against an apps table in DynamoDB Local. */
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppStore, isActiveApp, newAppId } from '../../../functions/apps/app-store.js';
import { appAuthorizer } from '../../../functions/apps/authorizer.js';
import { hashSecret, secretMatches, type SecretHash } from '../../../functions/apps/secret-hash.js';
import { createAppsTableInput } from '../../../functions/apps/table.js';
import type { AuthorizerResult } from '../../../functions/authorize-app.js';
import { localDocumentClient } from '../../support/dynamodb.js';
import { inject } from 'vitest';

const endpoint = inject('dynamodbEndpoint');
const tableName = `apps-${randomUUID()}`;
const db = localDocumentClient(endpoint);
const store = new AppStore(db, tableName);
let authorize: (event: unknown) => Promise<AuthorizerResult>;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const request = (authorization?: string) => ({ type: 'REQUEST', routeKey: 'GET /api/v4/clients', headers: authorization === undefined ? {} : { authorization } });

beforeAll(async () => {
  await db.send(new CreateTableCommand(createAppsTableInput(tableName)));
  Object.assign(process.env, {
    APPS_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    APP_CACHE_TTL_MS: '300',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  authorize = (await import('../../../functions/authorize-app.js')).handler;
});
afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName: tableName }));
  db.destroy();
});

describe('the app authorizer', () => {
  it('authorizes an active app by its id and secret, and names it and its role in the context', async () => {
    const app = await store.create('ci');
    expect(await authorize(request(basic(app.app_id, app.secret)))).toEqual({
      isAuthorized: true,
      context: { app_id: app.app_id, role: 'administrator' },
    });
    const viewer = await store.create('dashboard', { role: 'viewer' });
    expect(await authorize(request(basic(viewer.app_id, viewer.secret)))).toEqual({
      isAuthorized: true,
      context: { app_id: viewer.app_id, role: 'viewer' },
    });
  });

  it('refuses, never throws, for an app id DynamoDB would refuse as a key: empty, or over 2,048 bytes', async () => {
    for (const id of ['', 'a'.repeat(2049), 'é'.repeat(1025)]) {
      expect(await authorize(request(basic(id, 'secret'))), `${id.length} characters`).toEqual({ isAuthorized: false });
    }
  });

  it('refuses a wrong secret, an unknown id, and headers that are not Basic credentials', async () => {
    const app = await store.create('other');
    for (const header of [
      basic(app.app_id, `${app.secret}x`),
      basic(app.app_id, ''),
      basic('no-such-app', app.secret),
      basic(newAppId(), app.secret),
      `Bearer ${app.secret}`,
      'Basic !!!',
      `Basic ${Buffer.from(app.app_id).toString('base64')}`,
      undefined,
    ]) {
      expect(await authorize(request(header)), String(header)).toEqual({ isAuthorized: false });
    }
    expect(await authorize('not an event')).toEqual({ isAuthorized: false });
  });

  it('stops a revoked app once its cached record expires', async () => {
    const app = await store.create('to revoke');
    const header = basic(app.app_id, app.secret);
    expect((await authorize(request(header))).isAuthorized).toBe(true);
    expect(await store.revoke(app.app_id)).toBe(true);
    // Within the cache time the warm function may still let it in; after it, never.
    await expect.poll(async () => (await authorize(request(header))).isAuthorized, { timeout: 3000, interval: 100 }).toBe(false);
    expect((await store.list()).find((a) => a.app_id === app.app_id)?.revoked_at).toEqual(expect.any(Number));
  });

  it('makes 256-bit secrets and keeps only their HMAC-SHA-256 under a per-record salt, the algorithm named', async () => {
    const app = await store.create('stored');
    expect(Buffer.from(app.secret, 'base64url')).toHaveLength(32);
    const stored = await store.get(app.app_id);
    expect(JSON.stringify(stored)).not.toContain(app.secret);
    expect(stored?.secret).toEqual({ algorithm: 'hmac-sha256', salt: expect.any(String), hash: expect.any(String) });
    expect(stored?.role).toBe('administrator');
    // Two hashes of one secret differ by their salt, and both check.
    const again = hashSecret(app.secret);
    expect(again.salt).not.toBe(stored!.secret.salt);
    expect(await secretMatches(app.secret, again)).toBe(true);
    // A record of no scheme we know, or without its hash, never matches and never throws.
    for (const odd of [{ algorithm: 'md5', salt: again.salt, hash: again.hash }, { algorithm: 'hmac-sha256' }]) {
      expect(await secretMatches(app.secret, odd as unknown as SecretHash), JSON.stringify(odd)).toBe(false);
    }
  });

  it('still takes a record hashed with scrypt, written before roles: an administrator until it is replaced', async () => {
    const secret = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const legacy: SecretHash = {
      algorithm: 'scrypt',
      N: 16384,
      r: 8,
      p: 1,
      salt: salt.toString('base64'),
      hash: scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64'),
    };
    const app_id = newAppId();
    await db.send(new PutCommand({ TableName: tableName, Item: { app_id, name: 'legacy', created_at: 1, secret: legacy } }));
    expect(await authorize(request(basic(app_id, secret)))).toEqual({ isAuthorized: true, context: { app_id, role: 'administrator' } });
    expect(await authorize(request(basic(app_id, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)))).toEqual({ isAuthorized: false });
    expect((await store.list()).find((a) => a.app_id === app_id)).toEqual({ app_id, name: 'legacy', created_at: 1 });
  });

  it('runs the same verification for an unknown or revoked id as for a wrong secret: one check against a current-scheme record', async () => {
    const app = await store.create('timing');
    const known = await store.get(app.app_id);
    const checksOf = async (app: Parameters<typeof isActiveApp>[0]) => {
      const verify = vi.fn(secretMatches);
      expect(await isActiveApp(app, 'wrong', verify)).toBe(false);
      return verify.mock.calls.map(([secret, stored]) => [secret, stored.algorithm]);
    };
    const wrongSecret = await checksOf(known);
    expect(wrongSecret).toEqual([['wrong', 'hmac-sha256']]);
    expect(await checksOf(undefined)).toEqual(wrongSecret);
    expect(await checksOf({ ...known!, revoked_at: 1 })).toEqual(wrongSecret);
  });
});

describe('credentials no app could have', () => {
  it('are refused before the table is read: an id newAppId() would not make, or a secret that is not base64url', async () => {
    const get = vi.fn(async () => undefined);
    const logger = { info: vi.fn(), error: vi.fn() } as unknown as Parameters<typeof appAuthorizer>[0]['logger'];
    const authorizeOffline = appAuthorizer({ store: { get }, cacheTtlMs: 0, logger });
    const id = newAppId();
    for (const [appId, secret] of [
      ['', 'secret'],
      ['a'.repeat(2049), 'secret'],
      [`${id}0`, 'secret'],
      [id.slice(1), 'secret'],
      [id.toUpperCase().replace(/^[0-9]/, 'A'), 'secret'],
      ['no-such-app', 'secret'],
      [id, ''],
      [id, 's'.repeat(65)],
      [id, 'has space'],
    ] as const) {
      expect(await authorizeOffline(request(basic(appId, secret))), `${appId}:${secret}`).toEqual({ isAuthorized: false });
    }
    expect(get).not.toHaveBeenCalled();
    // A well-formed id is looked up.
    expect(await authorizeOffline(request(basic(id, 'secret')))).toEqual({ isAuthorized: false });
    expect(get).toHaveBeenCalledWith(id);
  });
});
