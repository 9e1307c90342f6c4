import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientNotAddressableError, ClientNotOnBrokerError, ControlChannelError, type KickCommand } from '../../../functions/control/channel.js';
import { EmqxControlChannel } from '../../../functions/control/emqx-channel.js';
import { emqxApiCredentials, type EmqxCredentialsSource } from '../../../functions/sources/emqx/api-credentials.js';
import { freePort } from '../../../infra/local/dynamodb-local.js';
import { startEmqxRestApi, type EmqxBackend, type EmqxClient } from '../../../infra/local/emqx/rest-api.js';
import { AWKWARD_IDS, DOT_SEGMENT_IDS } from '../../support/awkward-ids.js';

const TIMEOUT_MS = 1500;
const CREDENTIALS = { key: 'api-key-1', secret: 'api-secret-1' };
const fixed: EmqxCredentialsSource = async () => CREDENTIALS;

let counter = 0;
function kick(clientid: string): KickCommand {
  return {
    version: 1,
    type: 'kick',
    id: `command-${++counter}`,
    clientid,
    node: 'emqx@10.0.0.1',
    conn_key: `1764311961123#emqx@10.0.0.1#`,
    issued_at: new Date().toISOString(),
  };
}

function client(clientid: string): EmqxClient {
  const zero = { subscriptions_cnt: 0, subscriptions_max: 0, inflight_cnt: 0, inflight_max: 0, mqueue_len: 0, mqueue_max: 0, mqueue_dropped: 0 };
  const more = { awaiting_rel_cnt: 0, awaiting_rel_max: 0, mailbox_len: 0, heap_size: 0, reductions: 0 };
  const io = { recv_oct: 0, recv_cnt: 0, recv_pkt: 0, recv_msg: 0, send_oct: 0, send_cnt: 0, send_pkt: 0, send_msg: 0 };
  return {
    clientid,
    username: null,
    node: 'emqx@10.0.0.1',
    connected: true,
    connected_at: 1764311961123,
    created_at: 1764311961123,
    ip_address: '10.1.2.3',
    port: 50000,
    proto_name: 'MQTT',
    proto_ver: 4,
    keepalive: 60,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    mountpoint: null,
    ...zero,
    ...more,
    ...io,
  };
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The EMQX-style endpoint over a set of connected clients; records every kick. */
async function emqx(connected: string[], kick?: EmqxBackend['kick']) {
  const clients = connected.map(client);
  const kicked: string[] = [];
  const backend: EmqxBackend = {
    clients: () => clients,
    kick:
      kick ??
      (async (clientid) => {
        kicked.push(clientid);
        const index = clients.findIndex((c) => c.clientid === clientid);
        if (index >= 0) clients.splice(index, 1);
        return index >= 0;
      }),
  };
  const api = await startEmqxRestApi({ backend, credentials: CREDENTIALS });
  cleanups.push(() => api.stop());
  return { url: api.url, kicked, clients };
}

/** A raw HTTP server answering every request with `answer`, for answers the stand-in does not give. */
async function rawServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function channel(dialect: 'v5' | 'v4', baseUrl: string, credentials: EmqxCredentialsSource = fixed) {
  return new EmqxControlChannel({ dialect, baseUrl, credentials, timeoutMs: TIMEOUT_MS });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe.each(['v5', 'v4'] as const)('EmqxControlChannel (%s)', (dialect) => {
  it('kicks a client the cluster holds, its clientid URL-encoded once', async () => {
    const { url, kicked, clients } = await emqx(['factory/line 1/sensor+7#%']);
    await channel(dialect, url).send(kick('factory/line 1/sensor+7#%'));
    expect(kicked).toEqual(['factory/line 1/sensor+7#%']);
    expect(clients).toEqual([]);
  });

  it('answers ClientNotOnBrokerError for a client the cluster does not hold', async () => {
    const { url } = await emqx(['someone-else']);
    await expect(channel(dialect, url).send(kick('absent'))).rejects.toBeInstanceOf(ClientNotOnBrokerError);
  });

  it('answers ControlChannelError on refused credentials, without naming the secret', async () => {
    const { url, kicked } = await emqx(['c1']);
    const error = await failure(channel(dialect, url, async () => ({ key: 'api-key-1', secret: 'wrong-secret-xyz' })).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('wrong-secret-xyz');
    expect(kicked).toEqual([]);
  });

  it('asks again with re-read credentials after a 401, once', async () => {
    const { url, kicked } = await emqx(['c1']);
    // Caches like the real source: the stale secret until a refresh reads the rotated one.
    let cached = { key: 'api-key-1', secret: 'rotated-away' };
    let refreshes = 0;
    const rotating: EmqxCredentialsSource = async (options) => {
      if (options?.refresh) {
        refreshes += 1;
        cached = CREDENTIALS;
      }
      return cached;
    };
    await channel(dialect, url, rotating).send(kick('c1'));
    expect(kicked).toEqual(['c1']);
    expect(refreshes).toBe(1);
  });

  it('answers ControlChannelError when the broker fails (HTTP 500)', async () => {
    const { url } = await emqx(['c1'], async () => {
      throw new Error('node down');
    });
    const error = await failure(channel(dialect, url).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('500');
  });

  it('gives up within its timeout when the broker never answers', async () => {
    const { url } = await emqx(['c1'], () => new Promise<boolean>(() => {}));
    const started = Date.now();
    const error = await failure(channel(dialect, url).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('no answer in time');
    // Bounded by the channel's timeout, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5000);
  });

  it('answers ControlChannelError when nothing listens', async () => {
    const port = await freePort();
    const error = await failure(channel(dialect, `http://127.0.0.1:${port}`).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('unreachable (ECONNREFUSED)');
  });

  it('answers ControlChannelError to an answer that is not JSON', async () => {
    const url = await rawServer((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>'));
    const error = await failure(channel(dialect, url).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('without a JSON body');
  });
});

describe.each(['v5', 'v4'] as const)('EmqxControlChannel (%s) with awkward client ids', (dialect) => {
  const addressable = AWKWARD_IDS.filter((id) => !(DOT_SEGMENT_IDS as readonly string[]).includes(id));

  it('kicks exactly the client named, its id one path segment', async () => {
    const { url, kicked, clients } = await emqx([...AWKWARD_IDS, 'other']);
    for (const clientid of addressable) await channel(dialect, url).send(kick(clientid));
    expect(kicked).toEqual(addressable);
    expect(clients.map((c) => c.clientid)).toEqual([...DOT_SEGMENT_IDS, 'other']);
  });

  it('answers ClientNotOnBrokerError for an absent one, kicking no other', async () => {
    const { url, kicked } = await emqx(['other', '.a', '...']);
    for (const clientid of addressable.filter((id) => id !== '.a' && id !== '...')) {
      await expect(channel(dialect, url).send(kick(clientid)), clientid).rejects.toBeInstanceOf(ClientNotOnBrokerError);
    }
    expect(kicked.filter((id) => ['other', '.a', '...'].includes(id))).toEqual([]);
  });

  it('refuses "." and "..", which no EMQX path names, without a request', async () => {
    const { url, kicked, clients } = await emqx([...DOT_SEGMENT_IDS, 'other']);
    for (const clientid of DOT_SEGMENT_IDS) {
      const error = await failure(channel(dialect, url).send(kick(clientid)));
      expect(error).toBeInstanceOf(ClientNotAddressableError);
      expect(error.message).toContain('no request path names');
    }
    expect(kicked).toEqual([]);
    expect(clients).toHaveLength(3);
  });
});

describe('EmqxControlChannel (v5) answers', () => {
  it('takes a 404 that is not CLIENTID_NOT_FOUND (a wrong base URL) as a failure, not as an absent client', async () => {
    const url = await rawServer((_, response) => response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NOT_FOUND","message":"Request path not found"}'));
    const error = await failure(channel('v5', url).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('NOT_FOUND');
  });
});

describe('EmqxControlChannel (v4) answers', () => {
  /** A 4.x broker: the lookup finds the client, the kick answers `kickAnswer`. */
  function v4Broker(kickAnswer: unknown) {
    const requests: string[] = [];
    const url = rawServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      const body = request.method === 'GET' ? { code: 0, data: [{ clientid: 'c1' }] } : kickAnswer;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    return { url, requests };
  }

  it('looks the client up before kicking, since 4.4 answers code 0 to a kick of an unknown client', async () => {
    const { url, kicked } = await emqx([]);
    await expect(channel('v4', url).send(kick('absent'))).rejects.toBeInstanceOf(ClientNotOnBrokerError);
    expect(kicked).toEqual([]);
  });

  it('takes code 112 (4.0–4.3.8 "Client not online") as an absent client', async () => {
    const broker = v4Broker({ code: 112, message: 'not_found' });
    await expect(channel('v4', await broker.url).send(kick('c1'))).rejects.toBeInstanceOf(ClientNotOnBrokerError);
    expect(broker.requests).toEqual(['GET /api/v4/clients/c1', 'DELETE /api/v4/clients/c1']);
  });

  it('takes any other code (101 badrpc) as a failure, naming it', async () => {
    const broker = v4Broker({ code: 101, message: 'badrpc' });
    const error = await failure(channel('v4', await broker.url).send(kick('c1')));
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(error.message).toContain('code 101');
  });
});

describe('emqxApiCredentials', () => {
  it('gives fixed values', async () => {
    expect(await emqxApiCredentials({ key: 'k', secret: 's', region: 'eu-west-1' })()).toEqual({ key: 'k', secret: 's' });
  });

  it('refuses a configuration with neither a key and secret nor a secret ARN', () => {
    expect(() => emqxApiCredentials({ key: 'k', region: 'eu-west-1' })).toThrow(/key and a secret/);
  });

  it('reads a Secrets Manager secret once, again after a refresh, and kicks with it', async () => {
    // A loopback Secrets Manager answering GetSecretValue with the current secret.
    let current = JSON.stringify({ key: 'api-key-1', secret: 'stale' });
    let reads = 0;
    const targets = new Set<unknown>();
    const endpoint = await rawServer((request, response) => {
      reads += 1;
      targets.add(request.headers['x-amz-target']);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:emqx', SecretString: current }));
    });
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCAL');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    cleanups.push(() => {
      vi.unstubAllEnvs();
    });
    const credentials = emqxApiCredentials({ credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:emqx', region: 'eu-west-1' });
    expect(await credentials()).toEqual({ key: 'api-key-1', secret: 'stale' });
    expect(await credentials()).toEqual({ key: 'api-key-1', secret: 'stale' });
    expect(reads).toBe(1);

    // The secret was rotated: the broker refuses the cached one, the channel re-reads and retries.
    current = JSON.stringify(CREDENTIALS);
    const { url, kicked } = await emqx(['c1']);
    await channel('v5', url, credentials).send(kick('c1'));
    expect(kicked).toEqual(['c1']);
    expect(reads).toBe(2);
    expect([...targets]).toEqual(['secretsmanager.GetSecretValue']);
  });
});
