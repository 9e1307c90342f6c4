/**
 * Who may call the local stack: the local app's Basic credentials and SigV4
 * with the local key pair everywhere; apps of `npm run apps` on the
 * EMQX-compatible routes only, until revoked; a viewer app reads and is
 * refused every kick in its surface's words.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from '../../functions/apps/app-store.js';
import { API_ROUTES } from '../../functions/api/routes.js';
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

describe('app roles', () => {
  const target = () => ({ table: stack.appsTableName, region: 'us-east-1', endpoint: stack.dynamodbEndpoint, json: true });
  const createApp = async (role?: string) =>
    JSON.parse(await runAppsCommand(['create', `e2e ${role ?? 'default'}`], { ...target(), role })) as { app_id: string; app_secret: string; role: string };
  const call = async (method: string, path: string, authorization: string, body?: string) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const concrete = (path: string) =>
    path.replace('{clientid}', 'e2e-nobody').replace('{username}', 'e2e-nobody').replace('{node}', 'emqx@127.0.0.1');

  it('lets a viewer app call every GET route of /api/v4 and /api/v5 as an administrator app does', async () => {
    const viewer = await createApp('viewer');
    const admin = await createApp();
    expect([viewer.role, admin.role]).toEqual(['viewer', 'administrator']);
    const reads = API_ROUTES.filter((r) => r.surface !== 'native' && r.method === 'GET');
    expect(reads.length).toBeGreaterThan(10);
    for (const route of reads) {
      const path = concrete(route.path);
      const asViewer = await call('GET', path, basic(viewer.app_id, viewer.app_secret));
      expect(asViewer.status, path).not.toBe(403);
      expect(asViewer.status, path).toBe((await call('GET', path, basic(admin.app_id, admin.app_secret))).status);
    }
    const listed = await runAppsCommand(['list'], { ...target(), json: false });
    expect(listed).toMatch(new RegExp(`^${viewer.app_id}\\s.*\\sviewer\\s+active\\s`, 'm'));
  });

  it("refuses a viewer app's kicks, single and bulk, with 403 and the surface's error body; an administrator app kicks", async () => {
    const viewerApp = await createApp('viewer');
    const viewer = basic(viewerApp.app_id, viewerApp.app_secret);
    const admin = await createApp('administrator');
    const v5Refusal = { code: 'UNAUTHORIZED_ROLE', message: "This API Key don't have permission to access this resource" };
    expect(await call('DELETE', '/api/v5/clients/e2e-nobody', viewer)).toEqual({ status: 403, body: v5Refusal });
    expect(await call('POST', '/api/v5/clients/kickout/bulk', viewer, '["e2e-nobody"]')).toEqual({ status: 403, body: v5Refusal });
    expect(await call('DELETE', '/api/v4/clients/e2e-nobody', viewer)).toEqual({
      status: 403,
      body: { code: 403, message: expect.stringContaining('role viewer') },
    });
    // The same requests from an administrator app reach the kick.
    expect((await call('DELETE', '/api/v5/clients/e2e-nobody', basic(admin.app_id, admin.app_secret))).status).toBe(404);
    expect((await call('DELETE', '/api/v4/clients/e2e-nobody', basic(admin.app_id, admin.app_secret))).status).toBe(200);
  });

  it('refuses to create a publisher app, saying why', async () => {
    await expect(createApp('publisher')).rejects.toThrow(/publisher.*POST \/publish/);
  });
});
