/**
 * `npm run smoke` against the local stack acting as an EMQX 5 cluster (the
 * mode with an ingest route): how CI proves the command end to end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLive } from '../../../functions/sessions/model.js';
import { runSmoke } from '../../../infra/smoke/main.js';
import { SMOKE_CLIENT_PREFIX } from '../../../infra/smoke/synthetic-session.js';
import { startE2eStack, type E2eStack } from '../../e2e/local-stack.js';

const run = promisify(execFile);

describe('npm run smoke', () => {
  let stack: E2eStack;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN };

  beforeAll(async () => {
    stack = await startE2eStack({ brokerMode: 'emqx5', reconcileIntervalMs: 3_600_000 });
  });
  afterAll(async () => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ['AWS_SESSION_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await stack?.close();
  });

  /** SigV4 from the default chain, as a user sets it from npm start's banner. */
  const signWith = (key: { accessKeyId: string; secretAccessKey: string }) => {
    process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
  };
  const args = (app = `${stack.app.appId}:${stack.app.appSecret}`) => ['--api', stack.apiUrl, '--app', app, '--ingest-token', stack.ingestToken];
  const smokeClientIn = (lines: string[]) => /clients-api-smoke-[0-9a-f]+/.exec(lines.join('\n'))?.[0];

  it('passes every step through the command itself, and leaves no session behind', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/smoke/main.ts', ...args()], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: stack.sigv4Key.accessKeyId, AWS_SECRET_ACCESS_KEY: stack.sigv4Key.secretAccessKey },
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines.filter((line) => /^(FAIL|skip)/.test(line))).toEqual([]);
    for (const step of ['native routes with SigV4', '/api/v4 with the app', '/api/v5 with the app', 'a wrong app secret is refused', 'listed', 'shown on every surface', 'kicked', 'gone']) {
      expect(lines.some((line) => line.startsWith(`ok    ${step}`))).toBe(true);
    }
    expect(lines.at(-1)).toBe('smoke test passed');
    const clientid = smokeClientIn(lines);
    expect(clientid?.startsWith(SMOKE_CLIENT_PREFIX)).toBe(true);
    expect(isLive(await stack.store.get(clientid!, { consistent: true }))).toBe(false);
  });

  it('fails the step a wrong app secret breaks, with what to check, and exits 1', async () => {
    signWith(stack.sigv4Key);
    const lines: string[] = [];
    const code = await runSmoke(args(`${stack.app.appId}:not-the-secret`), (line) => lines.push(line));
    expect(code).toBe(1);
    expect(lines.find((line) => line.startsWith('FAIL  /api/v4 with the app'))).toMatch(/answered 401.*check: the app id and secret/);
    expect(lines.find((line) => line.startsWith('skip  shown on every surface'))).toBeDefined();
    expect(lines.at(-1)).toBe('smoke test FAILED');
    // The session steps that did not need the app still ran, and the kick ended the session.
    expect(isLive(await stack.store.get(smokeClientIn(lines)!, { consistent: true }))).toBe(false);
  });

  it('ends the synthetic session through the ingest route when the steps that would have kicked it could not run', async () => {
    signWith({ accessKeyId: stack.sigv4Key.accessKeyId, secretAccessKey: 'not-the-key' });
    const lines: string[] = [];
    const code = await runSmoke(args(), (line) => lines.push(line));
    expect(code).toBe(1);
    expect(lines[1]).toMatch(/^FAIL  native routes with SigV4: GET clients answered 401.*check: your AWS credentials/);
    expect(lines.find((line) => line.startsWith('skip  kicked'))).toBeDefined();
    expect(lines.find((line) => line.startsWith('clean-up: '))).toMatch(/ended through the ingest route/);
    const clientid = smokeClientIn(lines)!;
    await expect.poll(async () => isLive(await stack.store.get(clientid, { consistent: true })), { timeout: 10_000 }).toBe(false);
  });

  it('skips the session steps, and says why, without an ingest token', async () => {
    signWith(stack.sigv4Key);
    const lines: string[] = [];
    const code = await runSmoke(['--api', stack.apiUrl, '--app', `${stack.app.appId}:${stack.app.appSecret}`], (line) => lines.push(line));
    expect(code).toBe(0);
    expect(lines.find((line) => line.startsWith('skip  a synthetic session'))).toMatch(/no --ingest-token given/);
    expect(lines.find((line) => line.startsWith('skip  gone'))).toBeDefined();
  });

  it('answers --help, and a missing option with the usage', async () => {
    const help: string[] = [];
    expect(await runSmoke(['--help'], (line) => help.push(line))).toBe(0);
    expect(help.join('\n')).toMatch(/^usage: npm run smoke/);
    const missing: string[] = [];
    expect(await runSmoke(['--api', 'http://127.0.0.1:1'], (line) => missing.push(line))).toBe(2);
    expect(missing[0]).toMatch(/^smoke: give --app <app id>:<secret>/);
    const both: string[] = [];
    expect(await runSmoke(['--api', 'http://127.0.0.1:1', '--stack', 'x', '--app', 'a:b'], (line) => both.push(line))).toBe(2);
    expect(both[0]).toMatch(/not both/);
  });
});
