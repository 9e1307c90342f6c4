/**
 * The typed client and the CLI against the local stack, over HTTP Basic and
 * over SigV4 (the local key pair, given directly or found by the default
 * credential chain in the environment), with real MQTT clients behind the API.
 */
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiCallError, ClientsApi, type Auth } from '../../infra/client/clients-api.js';
import { runCli } from '../../infra/cli/cli.js';
import { MqttClients, startE2eStack, type E2eStack } from './local-stack.js';

let stack: E2eStack;
const mqtt = new MqttClients(() => stack.mqttUrl);
const LISTED = ['cl-0', 'cl-1', 'cl-2', 'cl-3', 'cl-4', 'cl-offline'];

const basic = (): Auth => ({ basic: { id: stack.app.appId, secret: stack.app.appSecret } });
const sigv4 = (): Auth => ({ sigv4: { region: 'eu-west-1', credentials: stack.sigv4Key } });
const apiWith = (auth: Auth) => new ClientsApi({ url: stack.apiUrl, auth });

beforeAll(async () => {
  stack = await startE2eStack();
  for (const id of ['cl-0', 'cl-1', 'cl-2', 'cl-3']) await mqtt.connect({ clientId: id, username: 'team' });
  const subscriber = await mqtt.connect({ clientId: 'cl-4', username: 'solo' });
  await subscriber.subscribeAsync({ 'cl/a/#': { qos: 1 }, 'cl/b': { qos: 0 } });
  const offline = await mqtt.connect({ clientId: 'cl-offline', clean: false });
  await offline.endAsync();
  const api = apiWith(basic());
  await vi.waitFor(
    async () => {
      const all = [];
      for await (const c of api.list({ _like_clientid: 'cl-' })) all.push(c);
      const ready = all.length === LISTED.length && all.some((c) => c.clientid === 'cl-offline' && !c.connected) && all.some((c) => c.subscriptions_cnt === 2);
      if (!ready) throw new Error('not every client is listed yet');
    },
    { timeout: 10_000, interval: 100 },
  );
});
afterAll(async () => {
  await mqtt.closeAll();
  await stack?.close();
});

describe.each([
  ['Basic', basic],
  ['SigV4', sigv4],
])('the client over %s', (_, auth) => {
  it('lists every match exactly once, following the cursor page by page', async () => {
    const api = apiWith(auth());
    const pages = [];
    for await (const page of api.pages({ _like_clientid: 'cl-' }, { pageSize: 2 })) pages.push(page);
    expect(pages).toHaveLength(3);
    expect(pages.slice(0, 2).every((p) => p.meta.cursor !== undefined)).toBe(true);
    const ids = pages.flatMap((p) => p.data.map((c) => c.clientid));
    expect([...ids].sort()).toEqual(LISTED);
  });

  it('filters by typed parameters', async () => {
    const api = apiWith(auth());
    const connected = [];
    for await (const c of api.list({ _like_clientid: 'cl-', conn_state: 'connected', fields: ['clientid', 'connected'] })) connected.push(c);
    expect(connected.map((c) => c.clientid).sort()).toEqual(['cl-0', 'cl-1', 'cl-2', 'cl-3', 'cl-4']);
    expect(connected.every((c) => Object.keys(c).sort().join() === 'clientid,connected')).toBe(true);
    const team = [];
    for await (const c of api.list({ username: ['team', 'nobody'], _gte_created_at: new Date(Date.now() - 3_600_000) })) team.push(c.clientid);
    expect(team.sort()).toEqual(['cl-0', 'cl-1', 'cl-2', 'cl-3']);
  });

  it('gets a client, its subscriptions and the nodes', async () => {
    const api = apiWith(auth());
    expect(await api.get('cl-4')).toMatchObject({ clientid: 'cl-4', username: 'solo', connected: true, subscriptions_cnt: 2 });
    expect(await api.get('nobody')).toBeUndefined();
    // Escaped path segments and query values are signed as sent.
    expect(await api.get("a/b c+%*'(")).toBeUndefined();
    expect((await api.pages({ _like_clientid: "c l+%*'(", clientid: ['x/y', 'z w'] }).next()).value?.data).toEqual([]);
    const topics = (await api.subscriptions('cl-4'))!.map((s) => `${s.topic}@${s.qos}`).sort();
    expect(topics).toEqual(['cl/a/#@1', 'cl/b@0']);
    expect(await api.subscriptions('nobody')).toBeUndefined();
    const nodes = await api.nodes();
    expect(nodes.find((n) => n.node === 'e2e@127.0.0.1')).toMatchObject({ node: 'e2e@127.0.0.1' });
  });

  it('answers an unknown client\'s kick as a value', async () => {
    expect(await apiWith(auth()).kick('nobody')).toEqual({ status: 404, outcome: 'not-found' });
  });
});

describe('the client on /api/v4', () => {
  const v4 = () => new ClientsApi({ url: stack.apiUrl, auth: basic(), surface: 'emqx4' });

  it('pages through every match once (by the cursor this API adds to 4.4\'s pages)', async () => {
    const pages = [];
    for await (const page of v4().pages({ _like_clientid: 'cl-' }, { pageSize: 2 })) pages.push(page);
    expect(pages).toHaveLength(3);
    expect(pages.flatMap((p) => p.data.map((c) => c.clientid)).sort()).toEqual(LISTED);
  });

  it('gets, lists subscriptions and nodes, and kicks as EMQX 4.4 answers', async () => {
    const api = v4();
    expect(await api.get('cl-4')).toMatchObject({ clientid: 'cl-4', 'recv_msg.qos1': expect.any(Number) });
    expect((await api.subscriptions('cl-4'))!.map((s) => s.topic).sort()).toEqual(['cl/a/#', 'cl/b']);
    expect(await api.subscriptions('nobody')).toEqual([]);
    expect((await api.nodes()).find((n) => n.node === 'e2e@127.0.0.1')?.sessions).toBeGreaterThanOrEqual(LISTED.length);
    // 4.4 answers a kick of an unknown client like any other.
    expect(await api.kick('nobody')).toEqual({ status: 200, outcome: 'kicked' });
  });

  it('turns a refusal answered with HTTP 200 and code 108 into an ApiCallError', async () => {
    await expect(v4().list({ proto_ver: 1.5 as number }).next()).rejects.toMatchObject({ name: 'ApiCallError', status: 200, code: 108 });
  });
});

describe('kicks', () => {
  const kicked = new MqttClients(() => stack.mqttUrl);
  afterEach(() => kicked.closeAll());

  it('kicks one client (200 or 202) and several at once', async () => {
    const api = apiWith(sigv4());
    for (const id of ['kick-1', 'kick-2', 'kick-3']) await kicked.connect({ clientId: id, reconnectPeriod: 0 });
    await vi.waitFor(async () => expect((await api.get('kick-3'))?.connected).toBe(true), { timeout: 5000, interval: 50 });
    await vi.waitFor(async () => expect((await api.get('kick-1'))?.connected).toBe(true), { timeout: 5000, interval: 50 });
    const one = await api.kick('kick-1');
    expect([200, 202]).toContain(one.status);
    const many = await api.kickMany(['kick-2', 'kick-3', 'nobody']);
    expect(many.map((r) => r.clientid)).toEqual(['kick-2', 'kick-3', 'nobody']);
    expect(many[2]!.outcome).toBe('not-found');
    expect(['kicked', 'pending']).toContain(many[0]!.outcome);
    await vi.waitFor(async () => expect(await api.get('kick-2')).toBeUndefined(), { timeout: 5000, interval: 50 });
  });
});

describe('refusals', () => {
  it('a wrong key or secret is an ApiCallError with the status', async () => {
    const wrongKey = apiWith({ sigv4: { region: 'eu-west-1', credentials: { ...stack.sigv4Key, secretAccessKey: 'not-the-secret' } } });
    await expect(wrongKey.nodes()).rejects.toMatchObject({ name: 'ApiCallError', status: 401 });
    const wrongSecret = apiWith({ basic: { id: stack.app.appId, secret: 'wrong' } });
    const error = await wrongSecret.get('cl-0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ status: 401, code: 401 });
  });

  it('a bad parameter is the API\'s 400, named', async () => {
    await expect(apiWith(basic()).list({ _like_clientid: 'x'.repeat(3000) }).next()).rejects.toMatchObject({ status: 400, code: 108 });
  });
});

/** Runs the CLI in this process; what it wrote to stdout and stderr, and its exit status. */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  (err as unknown as PassThrough).on('data', (c: Buffer) => chunks.err.push(c));
  const status = await runCli(args, { stdout: out, stderr: err, env });
  return { status, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

describe('the CLI', () => {
  const login = () => ['--url', stack.apiUrl, '--basic', `${stack.app.appId}:${stack.app.appSecret}`];

  it('lists as a table, with a progress line per page on stderr', async () => {
    const { status, stdout, stderr } = await cli(['list', '--like-clientid', 'cl-', '--page-size', '2', ...login()]);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLIENTID\s+USERNAME\s+NODE\s+CONNECTED\s+IP_ADDRESS\s+PROTO_VER\s+CONNECTED_AT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(LISTED);
    expect(lines.find((l) => l.startsWith('cl-4'))).toMatch(/^cl-4\s+solo\s+e2e@127\.0\.0\.1\s+true\s+127\.0\.0\.1\s+4\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(stderr.trimEnd().split('\n')).toEqual(['fetched 4 clients (2 pages)', 'fetched 6 clients (3 pages)']);
  });

  it('lists as JSON with --json, filtered, up to --max, quietly', async () => {
    const { status, stdout, stderr } = await cli(['list', '--conn-state', 'connected', '--like-clientid', 'cl-', '--json', '--quiet', '--page-size', '1', '--max', '3', ...login()]);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    const rows = JSON.parse(stdout) as { clientid: string; connected: boolean }[];
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.connected && r.clientid.startsWith('cl-'))).toBe(true);
  });

  it('gets a client, or says there is none (exit 1)', async () => {
    const found = await cli(['get', 'cl-4', ...login()]);
    expect(found.status).toBe(0);
    expect(found.stdout).toMatch(/^FIELD\s+VALUE\n/);
    expect(found.stdout).toMatch(/\nusername\s+solo\n/);
    const json = await cli(['get', 'cl-4', '--json', ...login()]);
    expect(JSON.parse(json.stdout)).toMatchObject({ clientid: 'cl-4', subscriptions_cnt: 2 });
    const missing = await cli(['get', 'nobody', ...login()]);
    expect(missing).toMatchObject({ status: 1, stdout: '', stderr: 'no client "nobody"\n' });
  });

  it('shows nodes and subscriptions, and kicks with the outcome', async () => {
    const nodes = await cli(['nodes', ...login()]);
    expect(nodes.stdout).toMatch(/^NODE\s+SESSIONS\s+CONNECTED\s+IDLE\s+DISCONNECTED\ne2e@127\.0\.0\.1\s+\d+/);
    const subscriptions = await cli(['subscriptions', 'cl-4', '--json', ...login()]);
    expect((JSON.parse(subscriptions.stdout) as { topic: string }[]).map((s) => s.topic).sort()).toEqual(['cl/a/#', 'cl/b']);
    const kick = await cli(['kick', 'nobody', ...login()]);
    expect(kick.status).toBe(1);
    expect(kick.stdout).toMatch(/^CLIENTID\s+OUTCOME\nnobody\s+not-found\n$/);
    const many = await cli(['kick', 'nobody', 'none-either', '--json', ...login()]);
    expect(JSON.parse(many.stdout)).toEqual([
      { clientid: 'nobody', outcome: 'not-found' },
      { clientid: 'none-either', outcome: 'not-found' },
    ]);
  });

  it('signs with SigV4 from the default credential chain when no --basic is given', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN };
    process.env.AWS_ACCESS_KEY_ID = stack.sigv4Key.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = stack.sigv4Key.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    try {
      const { status, stdout } = await cli(['get', 'cl-0', '--json', '--url', stack.apiUrl, '--region', 'us-east-1']);
      expect(status).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ clientid: 'cl-0' });
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_SESSION_TOKEN', saved.token]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses usage errors and shows the API\'s refusals (exit 2)', async () => {
    expect(await cli(['list', '--page-size', 'many', ...login()])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--page-size takes a whole number/) });
    expect(await cli(['frobnicate', ...login()])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^unknown command "frobnicate"/) });
    expect(await cli(['list', '--url', stack.apiUrl])).toMatchObject({ status: 2, stderr: expect.stringMatching(/SigV4 needs a region/) });
    const refused = await cli(['list', '--url', stack.apiUrl, '--basic', 'someone:wrong']);
    expect(refused).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error: HTTP 401 code 401: /) });
    const unknownField = await cli(['list', '--fields', 'clientid,bogus', ...login()]);
    expect(unknownField).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^error: HTTP 400 code 108: .*fields.*bogus is none/) });
  });
});
