/**
 * `npm run apps` as a user runs it, against an apps table in DynamoDB Local:
 * create prints the id and secret once, list shows apps without secrets,
 * revoke marks them, mistakes exit non-zero with a message.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { secretMatches, type SecretHash } from '../../functions/apps/secret-hash.js';
import { createAppsTableInput } from '../../functions/apps/table.js';
import { localDocumentClient } from '../support/dynamodb.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const endpoint = inject('dynamodbEndpoint');
const table = `apps-cli-${randomUUID()}`;
const db = localDocumentClient(endpoint);

type Run = { code: number; stdout: string; stderr: string };

/** `npm run --silent apps -- <args> --endpoint … --table …`, from the project root. */
function apps(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'apps', '--', ...args, '--endpoint', endpoint, '--table', table],
      // No AWS settings from the caller's environment: the local endpoint decides where it goes.
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  await db.send(new CreateTableCommand(createAppsTableInput(table)));
});
afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName: table }));
  db.destroy();
});

describe('npm run apps', () => {
  it('creates an app, printing its id and secret; the table keeps only a hash that checks', async () => {
    const created = await apps('create', 'ci bot', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { app_id: string; app_secret: string; name: string };
    expect(app).toEqual({ app_id: expect.stringMatching(/^[0-9a-f]{12}$/), app_secret: expect.any(String), name: 'ci bot', role: 'administrator' });
    // 256 random bits, and nothing in it that HTTP Basic would split on.
    expect(Buffer.from(app.app_secret, 'base64url')).toHaveLength(32);
    expect(app.app_secret).not.toContain(':');

    const { Items = [] } = await db.send(new ScanCommand({ TableName: table }));
    const item = Items.find((i) => i.app_id === app.app_id)!;
    expect(JSON.stringify(item)).not.toContain(app.app_secret);
    expect(await secretMatches(app.app_secret, item.secret as SecretHash)).toBe(true);
    expect(await secretMatches(`${app.app_secret}x`, item.secret as SecretHash)).toBe(false);

    const human = await apps('create', 'second');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^app_id\s+[0-9a-f]{12}\napp_secret\s+\S+\nrole\s+administrator\n/);
    expect(human.stdout).toContain('shown only now');
  }, 120_000);

  it('lists every app without its secret, then shows a revoked one as revoked', async () => {
    const app = JSON.parse((await apps('create', 'to revoke', '--json')).stdout) as { app_id: string; app_secret: string };
    const before = await apps('list');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`^${app.app_id}\\s.*\\sactive\\s+to revoke$`, 'm'));
    expect(before.stdout).not.toContain(app.app_secret);

    const revoked = await apps('revoke', app.app_id);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${app.app_id}\n` });
    const after = JSON.parse((await apps('list', '--json')).stdout) as { app_id: string; revoked_at?: number; secret?: unknown }[];
    const listed = after.find((a) => a.app_id === app.app_id)!;
    expect(listed.revoked_at).toEqual(expect.any(Number));
    expect(listed.secret).toBeUndefined();
    expect(after.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('creates a viewer app with --role viewer, keeps the role in the record and shows it in the list', async () => {
    const created = await apps('create', 'dashboard', '--role', 'viewer', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { app_id: string; role: string };
    expect(app.role).toBe('viewer');
    const { Items = [] } = await db.send(new ScanCommand({ TableName: table }));
    expect(Items.find((i) => i.app_id === app.app_id)?.role).toBe('viewer');
    const listed = await apps('list');
    expect(listed.stdout).toMatch(new RegExp(`^${app.app_id}\\s.*\\sviewer\\s+active\\s+dashboard$`, 'm'));
    const json = JSON.parse((await apps('list', '--json')).stdout) as { app_id: string; role: string }[];
    expect(json.find((a) => a.app_id === app.app_id)?.role).toBe('viewer');
  }, 120_000);

  it('refuses the publisher role, an unknown role and --role outside create, saying why, and writes nothing', async () => {
    const before = (await db.send(new ScanCommand({ TableName: table }))).Items?.length ?? 0;
    const publisher = await apps('create', 'pub', '--role', 'publisher');
    expect(publisher.code).not.toBe(0);
    expect(publisher.stderr).toContain('publisher role may only publish');
    const unknown = await apps('create', 'x', '--role', 'superuser');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('use administrator or viewer');
    const onList = await apps('list', '--role', 'viewer');
    expect(onList.code).not.toBe(0);
    expect(onList.stderr).toContain('--role is an option of create');
    expect((await db.send(new ScanCommand({ TableName: table }))).Items?.length ?? 0).toBe(before);
  }, 120_000);

  it('exits non-zero with a message for an unknown app, a missing name and an unknown command', async () => {
    const unknown = await apps('revoke', 'no-such-app');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no app no-such-app');
    const noName = await apps('create');
    expect(noName.code).not.toBe(0);
    expect(noName.stderr).toContain('create needs a name');
    const other = await apps('delete', 'x');
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('usage: npm run apps');
    // Nothing of these reached the table.
    const { Items = [] } = await db.send(new ScanCommand({ TableName: table }));
    expect(Items.some((i) => i.app_id === 'no-such-app')).toBe(false);
  }, 120_000);
});
