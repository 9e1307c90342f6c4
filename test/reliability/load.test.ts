/**
 * A bounded load run against the local stack (DynamoDB Local, the aedes
 * broker node, the handler functions behind the local HTTP server), all on
 * loopback: a fixed number of requests at fixed concurrency, stopped early
 * by a time cap. Every request must succeed; throughput and latency
 * percentiles are printed, not asserted.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { connected, connection, disconnected, statistics } from '../support/sessions.js';

const REQUESTS = 800;
const CONCURRENCY = 8;
const TIME_CAP_MS = 60_000;
const MQTT_CLIENTS = 40;
const REMOTE_SESSIONS = 400;
const SHARDS = 4;
const APP = { appId: 'load-test', appSecret: 'load-test-secret' };

type Call = { route: string; method: 'GET' | 'DELETE'; path: string; expect: number[] };
type Result = { route: string; path: string; status: number; ms: number; body: string; expected: number[] };

let stack: LocalStack;
let clients: MqttClient[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

beforeAll(async () => {
  const tableName = `load-${randomUUID()}`;
  stack = await startLocalStack({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName,
    shards: SHARDS,
    apiPort: 0,
    mqttPort: 0,
    app: APP,
    functionLogLevel: 'SILENT',
    statsIntervalMs: 2_000,
    // Under load the node may take longer than the default 3 s to record a kick.
    kickConfirmTimeoutMs: 10_000,
  });
  // Sessions of other broker nodes, written as their events would be.
  const db = createDocumentClient({ endpoint: stack.dynamodbEndpoint, region: LOCAL_CLIENT_CONFIG.region }, LOCAL_CLIENT_CONFIG);
  const writer = new SessionWriter(db, { tableName, shards: SHARDS });
  const now = Date.now();
  const events = Array.from({ length: REMOTE_SESSIONS }, (_, i) => {
    const conn = connection({
      clientid: `remote-${i}`,
      node: `emqx@10.0.0.${i % 3}`,
      username: `tenant-${i % 7}`,
      connected_at: now - i * 60_000,
      created_at: now - i * 120_000,
      clean_start: i % 4 !== 0,
      expiry_interval: i % 4 === 0 ? 86_400 : 0,
    });
    return i % 8 === 0 ? [connected(conn), statistics(conn, 1, { mqueue_len: i }), disconnected(conn, now - 1000)] : [connected(conn)];
  }).flat();
  await writer.applyAll(events, 16);
  db.destroy();
  // Real MQTT clients on the local node: these are the ones the run kicks.
  clients = await Promise.all(
    Array.from({ length: MQTT_CLIENTS }, (_, i) =>
      mqtt.connectAsync(stack.mqttUrl, { clientId: `device-${i}`, username: `tenant-${i % 7}`, reconnectPeriod: 0, clean: true }),
    ),
  );
  await stack.broker.idle();
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await stack?.stop();
});

function plan(): Call[] {
  const calls: Call[] = [];
  const kicks = MQTT_CLIENTS / 2;
  for (let i = 0; i < REQUESTS; i++) {
    const r = i % 20;
    if (r === 0 && i / 20 < kicks) {
      const id = `device-${Math.floor(i / 20)}`;
      // 202 "kick pending" is a success too: the node records the end after the confirmation time.
      calls.push({ route: 'DELETE /clients/{id}', method: 'DELETE', path: `/clients/${id}`, expect: [200, 202] });
    } else if (r < 8) {
      const id = i % 3 === 0 ? `device-${MQTT_CLIENTS - 1 - (i % (MQTT_CLIENTS / 2))}` : `remote-${i % REMOTE_SESSIONS}`;
      calls.push({ route: 'GET /clients/{id}', method: 'GET', path: `/clients/${encodeURIComponent(id)}`, expect: [200] });
    } else {
      const queries = ['', '_limit=20', 'conn_state=connected&_limit=50', 'username=tenant-3', '_like_clientid=mote-1', '_page=3&_limit=25', 'conn_state=disconnected', '_gte_mqueue_len=1'];
      const query = queries[i % queries.length]!;
      calls.push({ route: `GET /clients?${query}`, method: 'GET', path: `/clients${query ? `?${query}` : ''}`, expect: [200] });
    }
  }
  return calls;
}

describe('bounded load on the local stack', () => {
  it(`serves ${REQUESTS} mixed requests at concurrency ${CONCURRENCY} with no errors`, async () => {
    const calls = plan();
    const authorization = `Basic ${Buffer.from(`${APP.appId}:${APP.appSecret}`).toString('base64')}`;
    const results: Result[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let call = calls[next++]; call && performance.now() - started < TIME_CAP_MS; call = calls[next++]) {
          const t0 = performance.now();
          const response = await fetch(`${stack.apiUrl}${call.path}`, { method: call.method, headers: { authorization } });
          const body = await response.text();
          results.push({ route: call.route, path: call.path, status: response.status, ms: performance.now() - t0, body, expected: call.expect });
        }
      }),
    );
    const elapsed = performance.now() - started;
    const failures = results.filter((r) => !r.expected.includes(r.status));
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const byRoute = new Map<string, number[]>();
    for (const r of results) byRoute.set(r.route, [...(byRoute.get(r.route) ?? []), r.ms]);
    const lines = [
      `load: ${results.length}/${REQUESTS} requests in ${(elapsed / 1000).toFixed(2)} s at concurrency ${CONCURRENCY}: ` +
        `${(results.length / (elapsed / 1000)).toFixed(0)} req/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, errors ${failures.length}`,
      ...[...byRoute].map(([route, ms]) => {
        const sorted = ms.sort((a, b) => a - b);
        return `  ${route}: n=${sorted.length} p50 ${percentile(sorted, 50).toFixed(1)} ms p99 ${percentile(sorted, 99).toFixed(1)} ms`;
      }),
    ];
    console.log(lines.join('\n'));
    expect(failures.slice(0, 5).map((f) => `${f.route} → ${f.status} ${f.body.slice(0, 200)}`)).toEqual([]);
    expect(results.length).toBeGreaterThan(0);
    // Every kicked device is gone from the list; every other device is still there.
    await stack.broker.idle();
    const listed = await fetch(`${stack.apiUrl}/clients?_like_clientid=device-&_limit=1000`, { headers: { authorization } });
    const ids = ((await listed.json()) as { data: Array<{ clientid: string }> }).data.map((c) => c.clientid);
    const kicked = new Set(results.filter((r) => r.route.startsWith('DELETE')).map((r) => r.path.slice('/clients/'.length)));
    for (const id of kicked) expect(ids).not.toContain(id);
    expect(ids.length).toBe(MQTT_CLIENTS - kicked.size);
  }, TIME_CAP_MS + 30_000);
});
