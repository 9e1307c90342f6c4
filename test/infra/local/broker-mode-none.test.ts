/**
 * `BROKER_MODE=none`: `npm start` in front of an EMQX cluster of one's own.
 * The cluster here is the EMQX stand-in node, started by the test on loopback
 * and posting its webhooks to the API under test; kicks and the
 * reconciliation must reach its REST API through EMQX_API_URL.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBuiltInBroker, type BuiltInBroker } from '../../../infra/local/built-in-broker.js';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { connectedBody } from '../../../infra/local/emqx/webhook-bodies.js';
import { silentLog } from '../../../infra/local/log.js';
import { LOCAL_DEFAULTS } from '../../../infra/local/stack.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { connection } from '../../support/sessions.js';
import { baseEnv, isRunning, runStart, type StartProcess } from './processes.js';

const INGEST_TOKEN = 'none-mode-ingest-token-0123456789';
const { appId, appSecret } = LOCAL_DEFAULTS.app;
const authorization = `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The user's EMQX cluster: a node on loopback with an EMQX 5 REST API, writing the same table's sweeper rows. */
async function startCluster(table: TestTable): Promise<BuiltInBroker> {
  const stops: Array<() => Promise<void>> = [];
  cleanups.push(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  return startBuiltInBroker({
    mode: 'emqx5',
    db: table.db,
    table: table.table,
    node: 'emqx@127.0.0.1',
    control: { username: 'control', password: 'control-password', topicPrefix: 'clients-api/control' },
    host: '127.0.0.1',
    port: 0,
    loopback: '127.0.0.1',
    statsIntervalMs: 60_000,
    sweepIntervalMs: 60_000,
    reconcileIntervalMs: 600_000,
    pubackTimeoutMs: 2_000,
    log: silentLog,
    stops,
  });
}

async function startNone(table: TestTable, env: NodeJS.ProcessEnv): Promise<{ start: StartProcess; apiUrl: string }> {
  const port = await freePort();
  const start = runStart(
    baseEnv({
      PORT: String(port),
      DYNAMODB_ENDPOINT: table.endpoint,
      TABLE_NAME: table.table.tableName,
      SESSION_SHARDS: String(table.table.shards),
      BROKER_MODE: 'none',
      INGEST_TOKEN,
      ...env,
    }),
  );
  cleanups.push(() => {
    if (isRunning(start.child.pid!)) start.child.kill('SIGKILL');
  });
  await expect.poll(() => start.stdout + start.stderr, { timeout: 60_000, interval: 100 }).toMatch(/Ctrl-C stops everything|failed/);
  return { start, apiUrl: `http://127.0.0.1:${port}` };
}

async function shown(apiUrl: string, clientid: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/clients/${encodeURIComponent(clientid)}`, { headers: { authorization } });
  return response.status === 200 && ((await response.json()) as { data: unknown[] }).data.length === 1;
}

describe('npm start with BROKER_MODE=none in front of an EMQX cluster', () => {
  it('takes the cluster\'s webhooks, kicks through its REST API, reconciles with its list, and names a mistyped variable', { timeout: 120_000 }, async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    const cluster = await startCluster(table);
    const { url, key, secret } = cluster.emqxApi!;
    const { start, apiUrl } = await startNone(table, {
      KICK_VIA: 'emqx5',
      EMQX_API_URL: url,
      EMQX_API_KEY: key,
      EMQX_API_SECRET: secret,
      EMQX_API_SECERT: secret,
      RECONCILE_INTERVAL_MS: '1000',
    });
    expect(start.stderr).toContain('warning: EMQX_API_SECERT is not a setting of npm start and is ignored: did you mean EMQX_API_SECRET?');
    expect(start.stdout).toContain(`kicks and reconciliation through the EMQX REST API at ${url} (KICK_VIA=emqx5)`);
    expect(start.stdout).not.toContain('MQTT broker');
    cluster.deliverWebhooks({ url: apiUrl, token: INGEST_TOKEN });

    const client: MqttClient = mqtt.connect(cluster.broker.url, { clientId: 'device-1', reconnectPeriod: 0, protocolVersion: 5 });
    cleanups.push(() => void client.end(true));
    await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
    await expect.poll(() => shown(apiUrl, 'device-1'), { timeout: 10_000, interval: 100 }).toBe(true);

    // A session the cluster does not hold (its disconnect lost): the reconciliation ends it.
    const ghost = await fetch(`${apiUrl}/ingest/emqx`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(connectedBody('v5', connection({ clientid: 'ghost', node: 'emqx@127.0.0.1', connected_at: Date.now() - 5_000 }), '127.0.0.1:1883')),
    });
    expect(ghost.status).toBeLessThan(300);
    await expect.poll(() => shown(apiUrl, 'ghost'), { timeout: 5_000, interval: 100 }).toBe(true);
    await expect.poll(() => shown(apiUrl, 'ghost'), { timeout: 10_000, interval: 200 }).toBe(false);
    expect(await shown(apiUrl, 'device-1')).toBe(true);

    // The kick goes to the cluster, which closes the connection.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const kick = await fetch(`${apiUrl}/clients/device-1`, { method: 'DELETE', headers: { authorization } });
    expect(kick.status).toBe(200);
    await closed;
    await expect.poll(() => shown(apiUrl, 'device-1'), { timeout: 10_000, interval: 100 }).toBe(false);

    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    expect(start.stderr).not.toMatch(/ERROR|failed/);
  });

  it('refuses to start without KICK_VIA, naming what is missing', { timeout: 60_000 }, async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    const { start } = await startNone(table, {});
    expect(await start.exited).toBe(1);
    expect(start.stderr).toContain('npm start failed: BROKER_MODE=none needs KICK_VIA (emqx5, emqx4, aws-iot or mqtt)');
  });

  it('refuses EMQX_API_URL without its credentials, in the kick function\'s own words', { timeout: 60_000 }, async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    const { start } = await startNone(table, { KICK_VIA: 'emqx4', EMQX_API_URL: 'http://127.0.0.1:18083' });
    expect(await start.exited).toBe(1);
    expect(start.stderr).toMatch(/npm start failed: BROKER_MODE=none with KICK_VIA=emqx4: .*EMQX_API_KEY and EMQX_API_SECRET/);
  });

  it('refuses EMQX_API_URL beside a built-in broker, which would ignore it', { timeout: 60_000 }, async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    const { start } = await startNone(table, { BROKER_MODE: 'emqx5', EMQX_API_URL: 'http://127.0.0.1:18083' });
    expect(await start.exited).toBe(1);
    expect(start.stderr).toContain('EMQX_API_URL names a broker of your own, but BROKER_MODE=emqx5 runs the built-in one');
  });
});
