/**
 * `npm run broker`: the broker node as the session writer of a deployed
 * `broker=mqtt` stack, here against a DynamoDB Local table named by
 * TABLE_NAME with the SDK's credentials from the environment. Its clients'
 * sessions are in the table, and a Ctrl-C writes their disconnects before
 * it exits.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, LOCAL_CLIENT_CONFIG } from '../../../infra/local/dynamodb-local.js';
import { createTestTable } from '../../support/dynamodb.js';
import { baseEnv, isRunning, REPO_ROOT } from './processes.js';
import { spawn } from 'node:child_process';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('npm run broker', () => {
  it('writes its clients\' sessions to TABLE_NAME and their disconnects on Ctrl-C', { timeout: 120_000 }, async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    const port = await freePort();
    const child = spawn('npm', ['run', 'broker'], {
      cwd: REPO_ROOT,
      env: baseEnv({
        TABLE_NAME: table.table.tableName,
        SESSION_SHARDS: String(table.table.shards),
        DYNAMODB_ENDPOINT: table.endpoint,
        AWS_REGION: LOCAL_CLIENT_CONFIG.region,
        AWS_ACCESS_KEY_ID: LOCAL_CLIENT_CONFIG.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CLIENT_CONFIG.credentials.secretAccessKey,
        MQTT_PORT: String(port),
        NODE_NAME: 'writer@test',
        CONTROL_PASSWORD: 'control-password-0123',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(() => {
      if (isRunning(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
    });
    await expect.poll(() => output, { timeout: 60_000, interval: 100 }).toContain('Ctrl-C stops it');
    expect(output).toContain(`broker node "writer@test" at mqtt://127.0.0.1:${port}, writing table "${table.table.tableName}"`);

    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'field-device', reconnectPeriod: 0, clean: false });
    cleanups.push(() => void client.end(true));
    await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
    const state = async () => (await table.store.get('field-device', { consistent: true }))?.conn_state;
    await expect.poll(state, { timeout: 10_000, interval: 100 }).toBe('connected');
    const held = await table.store.get('field-device', { consistent: true });
    expect(held && 'node' in held ? held.node : undefined).toBe('writer@test');

    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(await state()).toBe('disconnected');
    expect(output).toContain('stopped; every session write landed');
    expect(output).not.toMatch(/ERROR|failed/);
  });

  it('refuses to start without TABLE_NAME and the control password, naming them', { timeout: 60_000 }, async () => {
    const child = spawn('npm', ['run', 'broker'], { cwd: REPO_ROOT, env: baseEnv({ AWS_REGION: 'us-east-1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/npm run broker failed: .*TABLE_NAME.*CONTROL_PASSWORD/);
  });
});
