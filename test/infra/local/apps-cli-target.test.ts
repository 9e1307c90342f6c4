/**
 * `npm run apps` before it reaches any table: `--help` prints the usage, and
 * without `--endpoint` a missing table, region or credentials is one line
 * naming what to give, never the AWS SDK's own error or a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { awsTargetLine, CREDENTIALS_NEEDED, TARGET_NEEDED } from '../../../infra/apps/target.js';
import { REPO_ROOT } from './processes.js';

type Run = { code: number; stdout: string; stderr: string };

/** `npm run --silent apps -- <args>` on a machine with no AWS configuration at all. */
async function apps(...args: string[]): Promise<Run> {
  const home = await mkdtemp(`${tmpdir()}/no-aws-`);
  // No instance metadata either: the credential chain would otherwise wait on it.
  const env = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'apps', '--', ...args], { cwd: REPO_ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('npm run apps without --endpoint', () => {
  it('prints its usage and exits 0 on --help and -h', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await apps(flag);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^usage: npm run apps -- /);
      for (const option of ['create <name>', 'list', 'revoke <app id>', '--endpoint', '--stack', '--table', '--region']) {
        expect(run.stdout).toContain(option);
      }
    }
  }, 60_000);

  it.each([
    { args: ['list'], says: 'no apps table given' },
    { args: ['create', 'bot', '--stack', 'clients-api'], says: 'no AWS region' },
    { args: ['list', '--table', 'apps', '--region', 'eu-west-1'], says: `no AWS credentials (Could not load credentials from any providers; ${CREDENTIALS_NEEDED})` },
  ])('says in one line what it needs when $says, exiting 1', async ({ args, says }) => {
    const run = await apps(...args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([`apps: ${says}: ${TARGET_NEEDED}`]);
  }, 60_000);

  it('names the AWS region and table it is about to use, and nothing for the local stack', () => {
    expect(awsTargetLine({ table: 'prod-apps', region: 'eu-west-1' })).toBe(
      "apps: AWS, region eu-west-1, apps table prod-apps, with the AWS SDK's default credentials (give --endpoint <url> for the local stack)",
    );
    expect(awsTargetLine({ table: 'apps', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000' })).toBeUndefined();
  });

  it('answers a mistyped command with the usage line before looking for a table', async () => {
    const run = await apps('lsit');
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^apps: usage: npm run apps -- /)]);
  }, 60_000);

  it('names an unknown option and prints the usage line, exiting 1', async () => {
    const run = await apps('list', '--bogus');
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toContain("Unknown option '--bogus'");
    expect(lines(run.stderr)[1]).toMatch(/^usage: npm run apps -- /);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
