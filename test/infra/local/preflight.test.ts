/** What `npm start` and `npm test` say, in one line, when the machine is not ready for them, and what they keep quiet. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { JAVA_MISSING, javaPointsNowhere, requireJava, requirePortsFree } from '../../../infra/local/preflight.js';
import { baseEnv, pathWithOnlyNode, REPO_ROOT, runStart } from './processes.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function holdPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The lines a failing start printed, without blank ones. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('npm start before it starts anything', () => {
  it('refuses a port in use, naming it and its setting, before DynamoDB Local starts', async () => {
    const busy = await holdPort();
    const start = runStart(baseEnv({ PORT: String(await freePort()), MQTT_PORT: String(busy) }));
    expect(await start.exited).toBe(1);
    expect(lines(start.stderr)).toEqual([`npm start failed: port ${busy} on 127.0.0.1 is in use: stop what holds it, or choose another with MQTT_PORT=<port>`]);
    expect(start.stdout).not.toContain('DynamoDB Local');
  });

  it('says in one line that Java is missing and what to install', async () => {
    const start = runStart(baseEnv({ PATH: await pathWithOnlyNode(), PORT: String(await freePort()), MQTT_PORT: String(await freePort()) }));
    expect(await start.exited).toBe(1);
    expect(lines(start.stderr)).toEqual([`npm start failed: ${JAVA_MISSING}`]);
    expect(start.stderr).toContain('openjdk-17-jre-headless');
  });

  it('says what JAVA is set to when it points nowhere', async () => {
    const bad = join(await pathWithOnlyNode(), 'no-java-here');
    const start = runStart(baseEnv({ JAVA: bad, PORT: String(await freePort()), MQTT_PORT: String(await freePort()) }));
    expect(await start.exited).toBe(1);
    expect(lines(start.stderr)).toEqual([`npm start failed: ${javaPointsNowhere(bad, 'ENOENT')}`]);
    expect(start.stderr).toContain(`JAVA=${bad} points nowhere`);
    expect(start.stderr).not.toContain('PATH (');
  });

  it('names DYNAMODB_ENDPOINT and its value when nothing answers there', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const start = runStart(baseEnv({ DYNAMODB_ENDPOINT: endpoint, PORT: String(await freePort()), MQTT_PORT: String(await freePort()) }));
    expect(await start.exited).toBe(1);
    expect(lines(start.stderr)).toEqual([
      `npm start failed: DYNAMODB_ENDPOINT=${endpoint} does not answer (ECONNREFUSED): start the DynamoDB it names, or unset DYNAMODB_ENDPOINT for an in-memory DynamoDB Local`,
    ]);
  });

  it('starts without the AWS SDK Node-version warning', async () => {
    const env = { DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: `sessions-start-${process.pid}` };
    const quiet = runStart(baseEnv({ ...env, PORT: String(await freePort()), MQTT_PORT: String(await freePort()) }));
    try {
      await expect.poll(() => quiet.stdout, { timeout: 60_000, interval: 100 }).toContain('Ctrl-C stops everything');
    } finally {
      quiet.child.kill('SIGTERM');
      await quiet.exited;
    }
    expect(quiet.stderr).not.toContain('NodeVersionSupportWarning');
  });
});

describe('the checks themselves', () => {
  it('requireJava names the package to install when the binary is absent', async () => {
    await expect(requireJava(join(await pathWithOnlyNode(), 'java'))).rejects.toThrow(JAVA_MISSING);
  });

  it('requirePortsFree passes free ports and port 0, and names the first busy one', async () => {
    const busy = await holdPort();
    await expect(requirePortsFree('127.0.0.1', [{ port: await freePort(), setting: 'PORT' }, { port: 0, setting: 'X' }])).resolves.toBeUndefined();
    await expect(requirePortsFree('127.0.0.1', [{ port: busy, setting: 'PORT' }])).rejects.toThrow(`port ${busy} on 127.0.0.1 is in use`);
  });
});

describe('npm test without Java', () => {
  it('stops in one line saying what to install, without a stack trace', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/infra/local/kick-command.test.ts'], {
      cwd: REPO_ROOT,
      env: baseEnv({ PATH: await pathWithOnlyNode(), CI: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(`npm test cannot start: ${JAVA_MISSING}`);
    expect(output).not.toContain('ENOENT');
    expect(output).not.toMatch(/^\s+at /m);
  });
});

describe('the test workers', () => {
  it('run with the AWS SDK Node-version warning switched off', () => {
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});
