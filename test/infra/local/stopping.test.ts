/**
 * However `npm start` ends (Ctrl-C, SIGTERM, SIGKILL of npm or of node), the
 * whole stack ends with it within 5 s and its ports can be bound again; Ctrl-C
 * first writes its clients' last disconnects, DynamoDB Local still up.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { requirePortsFree, type PortClaim } from '../../../infra/local/preflight.js';
import { LOCAL_DEFAULTS, type BrokerMode } from '../../../infra/local/stack.js';
import { baseEnv, childPids, commandLine, descendantPids, isRunning, runStart, type StartHow, type StartProcess } from './processes.js';

/** What the brief of a stop allows: every process gone and every port free. */
const STOP_LIMIT_MS = 5_000;
const START_TIMEOUT_MS = 90_000;

type Running = {
  start: StartProcess;
  /** The node process running infra/local/start.ts (npm's child when started through npm). */
  node: number;
  /** npm (when started through it), node, and everything below node: DynamoDB Local's JVM, tsx's esbuild. */
  pids: number[];
  ports: PortClaim[];
  apiUrl: string;
  mqttUrl: string;
};

/** Every process a test started, known before it kills any: a failed test must not leave its stack behind. */
const startedPids = new Set<number>();
const clients: MqttClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.end(true);
  for (const pid of startedPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  startedPids.clear();
});

async function startStack(mode: BrokerMode, how: StartHow): Promise<Running> {
  const [apiPort, mqttPort] = [await freePort(), await freePort()];
  const start = runStart(baseEnv({ PORT: String(apiPort), MQTT_PORT: String(mqttPort), BROKER_MODE: mode }), how);
  startedPids.add(start.child.pid!);
  await expect.poll(() => start.stdout, { timeout: START_TIMEOUT_MS, interval: 100 }).toContain('Ctrl-C stops everything');
  const root = start.child.pid!;
  const node = how.viaNpm ? childPids(root).find((pid) => commandLine(pid).includes('infra/local/start.ts')) : root;
  expect(node).toBeDefined();
  const dbPort = Number(/DynamoDB\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(start.stdout)?.[1]);
  expect(dbPort).toBeGreaterThan(0);
  const below = descendantPids(node!);
  for (const pid of [node!, ...below]) startedPids.add(pid);
  expect(below.some((pid) => commandLine(pid).includes('DynamoDBLocal'))).toBe(true);
  return {
    start,
    node: node!,
    pids: [...new Set([root, node!, ...below])],
    ports: [
      { port: apiPort, setting: 'PORT' },
      { port: mqttPort, setting: 'MQTT_PORT' },
      { port: dbPort, setting: 'DynamoDB Local' },
    ],
    apiUrl: `http://127.0.0.1:${apiPort}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
  };
}

/** Connects a client and waits until the API shows it: its connect is in the table. */
async function connectClient(stack: Running, clientId: string): Promise<void> {
  const client = mqtt.connect(stack.mqttUrl, { clientId, reconnectPeriod: 0 });
  clients.push(client);
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const { appId, appSecret } = LOCAL_DEFAULTS.app;
  const authorization = `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}`;
  const shown = async () => {
    const response = await fetch(`${stack.apiUrl}/clients/${clientId}`, { headers: { authorization } });
    return response.status === 200 && ((await response.json()) as { data: unknown[] }).data.length === 1;
  };
  await expect.poll(shown, { timeout: 10_000, interval: 100 }).toBe(true);
}

/** The banner gives the EMQX stand-in's REST API with the key pair it takes, and that pair lists the clients. */
async function expectStandInCredentialsPrinted(stdout: string): Promise<void> {
  const url = /REST API \(kicks, reconciliation\) at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  const [, key, secret] = /key (\S+), secret (\S+)/.exec(stdout) ?? [];
  expect(url && key && secret).toBeTruthy();
  const response = await fetch(`${url}/api/v5/clients`, { headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` } });
  expect(response.status).toBe(200);
}

const portsFree = (ports: PortClaim[]) => requirePortsFree(LOCAL_DEFAULTS.host, ports).then(() => true, () => false);

async function expectAllGone(stack: Running, since: number): Promise<void> {
  await expect.poll(() => stack.pids.filter(isRunning), { timeout: STOP_LIMIT_MS, interval: 50 }).toEqual([]);
  await expect.poll(() => portsFree(stack.ports), { timeout: Math.max(100, STOP_LIMIT_MS - (Date.now() - since)), interval: 50 }).toBe(true);
  expect(Date.now() - since).toBeLessThan(STOP_LIMIT_MS);
}

describe.each(['native', 'emqx5'] as const)('npm start in BROKER_MODE=%s', (mode) => {
  it('stops on Ctrl-C after its clients\' disconnects are written, with no error, and exits 0', { timeout: 150_000 }, async () => {
    // A terminal's Ctrl-C is a SIGINT to the whole foreground process group: npm and node both get it.
    const stack = await startStack(mode, { viaNpm: true, ownProcessGroup: true });
    await connectClient(stack, `stop-${mode}-a`);
    await connectClient(stack, `stop-${mode}-b`);
    if (mode === 'emqx5') await expectStandInCredentialsPrinted(stack.start.stdout);
    const since = Date.now();
    process.kill(-stack.start.child.pid!, 'SIGINT');
    expect(await stack.start.exited).toBe(0);
    await expectAllGone(stack, since);

    const output = `${stack.start.stdout}\n${stack.start.stderr}`;
    expect(output).not.toMatch(/ERROR|failed|did not land/);
    const afterStop = stack.start.stdout.slice(stack.start.stdout.indexOf('SIGINT: stopping'));
    for (const id of [`stop-${mode}-a`, `stop-${mode}-b`]) expect(afterStop).toContain(`disconnected ${id}`);
    const landed = afterStop.indexOf('stopped; every session write landed');
    expect(landed).toBeGreaterThan(afterStop.lastIndexOf('disconnected stop-'));
    expect(afterStop.trimEnd().endsWith('stopped')).toBe(true);
  });

  it('ends every process and frees every port within 5 s of a SIGKILL of node', { timeout: 150_000 }, async () => {
    const stack = await startStack(mode, { viaNpm: true });
    await connectClient(stack, `killed-${mode}`);
    const since = Date.now();
    process.kill(stack.node, 'SIGKILL');
    await expectAllGone(stack, since);
  });

  it('ends every process and frees every port within 5 s of a SIGKILL of npm', { timeout: 150_000 }, async () => {
    const stack = await startStack(mode, { viaNpm: true });
    await connectClient(stack, `orphaned-${mode}`);
    const since = Date.now();
    process.kill(stack.start.child.pid!, 'SIGKILL');
    await expectAllGone(stack, since);
    expect(stack.start.stdout).toContain('the parent process is gone: stopping');
  });
});

describe('npm start on SIGTERM', () => {
  it('stops when npm is sent SIGTERM, ending every process within 5 s', { timeout: 150_000 }, async () => {
    const stack = await startStack('native', { viaNpm: true });
    await connectClient(stack, 'terminated');
    const since = Date.now();
    process.kill(stack.start.child.pid!, 'SIGTERM');
    await expectAllGone(stack, since);
    expect(stack.start.stdout).toContain('SIGTERM: stopping');
    expect(stack.start.stdout).toContain('stopped; every session write landed');
  });
});
