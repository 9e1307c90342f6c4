/**
 * Who may call the local stack: the local app's Basic credentials and SigV4
 * with the local key pair everywhere; apps of `npm run apps` on the
 * EMQX-compatible routes only, until revoked.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from '../../functions/apps/app-store.js';
import { Sha256 } from '../../infra/client/sigv4.js';
import { runAppsCommand } from '../../infra/apps/cli.js';
import { localDocumentClient } from '../support/dynamodb.js';
import { startE2eStack, type E2eStack } from './local-stack.js';

let stack: E2eStack;
let apps: AppStore;
let db: ReturnType<typeof localDocumentClient>;

beforeAll(async () => {
  stack = await startE2eStack({ appsTableName: `apps-${Date.now()}` });
  db = localDocumentClient(stack.dynamodbEndpoint);
  apps = new AppStore(db, stack.appsTableName);
});
afterAll(async () => {
  db?.destroy();
  await stack?.close();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const status = async (path: string, authorization?: string) =>
  (await fetch(`${stack.apiUrl}${path}`, { headers: authorization ? { authorization } : {} })).status;

async function signedStatus(method: string, path: string, key = stack.sigv4Key, body?: string): Promise<number> {
  const url = new URL(`${stack.apiUrl}${path}`);
  const signer = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: key, sha256: Sha256 });
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
  });
  const response = await fetch(url, { method, headers: signed.headers as Record<string, string>, ...(body ? { body } : {}) });
  return response.status;
}

describe('local authentication', () => {
  it('takes an app made with npm run apps on /api/v4 and /api/v5, not on native routes; a revoked app stops', async () => {
    const created = JSON.parse(
      await runAppsCommand(['create', 'e2e tooling'], { table: stack.appsTableName, region: 'us-east-1', endpoint: stack.dynamodbEndpoint, json: true }),
    ) as { app_id: string; app_secret: string };
    const header = basic(created.app_id, created.app_secret);
    expect(await status('/api/v4/clients', header)).toBe(200);
    expect(await status('/api/v5/clients', header)).toBe(200);
    expect(await status('/clients', header)).toBe(401);
    expect(await status('/api/v4/clients', basic(created.app_id, 'wrong'))).toBe(401);

    const listed = await runAppsCommand(['list'], { table: stack.appsTableName, region: 'us-east-1', endpoint: stack.dynamodbEndpoint, json: false });
    expect(listed).toContain(created.app_id);
    expect(listed).not.toContain(created.app_secret);
    await runAppsCommand(['revoke', created.app_id], { table: stack.appsTableName, region: 'us-east-1', endpoint: stack.dynamodbEndpoint, json: false });
    await expect.poll(() => status('/api/v4/clients', header), { timeout: 5000, interval: 200 }).toBe(401);
    expect((await apps.list()).find((a) => a.app_id === created.app_id)?.revoked_at).toEqual(expect.any(Number));
  });

  it('takes SigV4 signed with the local key pair on every route, and refuses another key', async () => {
    expect(await signedStatus('GET', '/clients?_limit=5&conn_state=connected')).toBe(200);
    expect(await signedStatus('GET', '/api/v4/clients/a%2Fb')).toBe(200);
    expect(await signedStatus('POST', '/clients/kickout/bulk', stack.sigv4Key, '["nobody"]')).toBe(200);
    expect(await signedStatus('GET', '/clients', { accessKeyId: stack.sigv4Key.accessKeyId, secretAccessKey: 'not-the-key' })).toBe(401);
  });

  it('keeps the local app\'s Basic credentials working everywhere', async () => {
    const header = basic(stack.app.appId, stack.app.appSecret);
    expect(await status('/clients', header)).toBe(200);
    expect(await status('/api/v4/clients', header)).toBe(200);
    expect(await status('/clients')).toBe(401);
  });
});
