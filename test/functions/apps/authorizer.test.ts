/** The app authorizer of /api/v4 and /api/v5, against an apps table in DynamoDB Local. */
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore, isActiveApp } from '../../../functions/apps/app-store.js';
import { hashSecret, secretMatches } from '../../../functions/apps/secret-hash.js';
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
  it('authorizes an active app by its id and secret, and names it in the context', async () => {
    const app = await store.create('ci');
    expect(await authorize(request(basic(app.app_id, app.secret)))).toEqual({ isAuthorized: true, context: { app_id: app.app_id } });
  });

  it('refuses a wrong secret, an unknown id, and headers that are not Basic credentials', async () => {
    const app = await store.create('other');
    for (const header of [
      basic(app.app_id, `${app.secret}x`),
      basic(app.app_id, ''),
      basic('no-such-app', app.secret),
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

  it('keeps only a salted scrypt hash of the secret, never the secret', async () => {
    const app = await store.create('stored');
    const stored = await store.get(app.app_id);
    expect(JSON.stringify(stored)).not.toContain(app.secret);
    expect(stored?.secret).toMatchObject({ algorithm: 'scrypt', N: 16384, r: 8, p: 1 });
    // Two hashes of one secret differ by their salt, and both check.
    const again = await hashSecret(app.secret);
    expect(again.salt).not.toBe(stored!.secret.salt);
    expect(await secretMatches(app.secret, again)).toBe(true);
  });

  it('costs an unknown id a hash too, so the time does not tell which part was wrong', async () => {
    const app = await store.create('timing');
    const known = await store.get(app.app_id);
    const time = async (run: () => Promise<boolean>) => {
      const started = process.hrtime.bigint();
      expect(await run()).toBe(false);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await isActiveApp(undefined, 'warm-up');
    const wrongSecret = await time(() => isActiveApp(known, 'wrong'));
    const unknownId = await time(() => isActiveApp(undefined, 'wrong'));
    // Both run one scrypt (tens of ms); a skipped hash would take well under a millisecond.
    expect(unknownId).toBeGreaterThan(wrongSecret / 4);
  });
});
