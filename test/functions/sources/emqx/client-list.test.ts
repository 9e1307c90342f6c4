import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerSession } from '../../../../functions/sources/broker-view.js';
import { STATISTICS_FIELDS } from '../../../../functions/sessions/model.js';
import { EmqxApiError } from '../../../../functions/sources/emqx/api.js';
import { EmqxClientList } from '../../../../functions/sources/emqx/client-list.js';
import { freePort } from '../../../../infra/local/dynamodb-local.js';
import { startEmqxRestApi, type EmqxClient } from '../../../../infra/local/emqx/rest-api.js';
import { AWKWARD_IDS, DOT_SEGMENT_IDS } from '../../../support/awkward-ids.js';
import { loopbackServer } from '../../../support/loopback-server.js';

const CREDENTIALS = { key: 'api-key-1', secret: 'api-secret-1' };
const TIMEOUT_MS = 1500;
/** 2026-11-28T06:39:21.123Z: the milliseconds tell the dialects apart. */
const CONNECTED_AT = Date.UTC(2026, 10, 28, 6, 39, 21, 123);

function client(clientid: string, overrides: Partial<EmqxClient> = {}): EmqxClient {
  return {
    ...Object.fromEntries(Object.entries(STATISTICS).filter(([name]) => name.includes('.'))),
    clientid,
    username: 'alice',
    node: 'emqx@10.0.0.1',
    connected: true,
    connected_at: CONNECTED_AT,
    created_at: CONNECTED_AT - 60_000,
    ip_address: '10.1.2.3',
    port: 52044,
    proto_name: 'MQTT',
    proto_ver: 5,
    keepalive: 60,
    clean_start: false,
    expiry_interval: 7200,
    is_bridge: true,
    mountpoint: 'tenant-a/',
    zone: 'internal',
    subscriptions_cnt: 2,
    subscriptions_max: 'infinity',
    inflight_cnt: 3,
    inflight_max: 32,
    mqueue_len: 4,
    mqueue_max: 1000,
    mqueue_dropped: 5,
    awaiting_rel_cnt: 6,
    awaiting_rel_max: 100,
    mailbox_len: 7,
    heap_size: 8,
    reductions: 9,
    recv_oct: 10,
    recv_cnt: 11,
    recv_pkt: 12,
    recv_msg: 13,
    send_oct: 14,
    send_cnt: 15,
    send_pkt: 16,
    send_msg: 17,
    ...overrides,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The EMQX-style endpoint over `clients`; counts the list pages asked for. */
async function emqx(clients: EmqxClient[]) {
  let pages = 0;
  const api = await startEmqxRestApi({
    backend: {
      clients: () => {
        pages += 1;
        return clients;
      },
      kick: async () => false,
    },
    credentials: CREDENTIALS,
  });
  cleanups.push(() => api.stop());
  return { url: api.url, pages: () => pages };
}

function list(dialect: 'v5' | 'v4', baseUrl: string, options: { pageSize?: number; secret?: string } = {}) {
  return new EmqxClientList({
    dialect,
    baseUrl,
    credentials: async () => ({ key: CREDENTIALS.key, secret: options.secret ?? CREDENTIALS.secret }),
    timeoutMs: TIMEOUT_MS,
    pageSize: options.pageSize ?? 100,
  });
}

async function collect(view: EmqxClientList, signal = new AbortController().signal): Promise<BrokerSession[]> {
  const sessions: BrokerSession[] = [];
  for await (const session of view.sessions(signal)) sessions.push(session);
  return sessions;
}

const STATISTICS = {
  recv_oct: 10,
  recv_cnt: 11,
  recv_pkt: 12,
  recv_msg: 13,
  send_oct: 14,
  send_cnt: 15,
  send_pkt: 16,
  send_msg: 17,
  inflight: 3,
  mqueue_len: 4,
  mqueue_dropped: 5,
  awaiting_rel: 6,
  mailbox_len: 7,
  heap_size: 8,
  reductions: 9,
  // EMQX 4.4 and 5 list the per-QoS counters under these same names.
  'recv_msg.qos0': 20,
  'recv_msg.qos1': 21,
  'recv_msg.qos2': 22,
  'recv_msg.dropped': 23,
  'send_msg.qos0': 24,
  'send_msg.qos1': 25,
  'send_msg.qos2': 26,
  'send_msg.dropped': 27,
  'send_msg.dropped.expired': 28,
  'send_msg.dropped.queue_full': 29,
  'send_msg.dropped.too_large': 30,
};

describe('EmqxClientList (v5)', () => {
  it('maps a listed client field for field, connect times to the millisecond, no zone listed → default', async () => {
    const { url } = await emqx([client('factory/line 1')]);
    const view = list('v5', url);
    expect(view.name).toBe('emqx5');
    expect(view.connectedAtPrecisionMs).toBe(1);
    const [session] = await collect(view);
    expect(session).toEqual({
      conn: {
        clientid: 'factory/line 1',
        node: 'emqx@10.0.0.1',
        conn_id: '',
        connected_at: CONNECTED_AT,
        created_at: CONNECTED_AT - 60_000,
        username: 'alice',
        zone: 'default',
        ip_address: '10.1.2.3',
        port: 52044,
        proto_name: 'MQTT',
        proto_ver: 5,
        keepalive: 60,
        clean_start: false,
        expiry_interval: 7200,
        is_bridge: true,
        mountpoint: 'tenant-a/',
        max_subscriptions: 0,
        max_inflight: 32,
        max_mqueue: 1000,
        max_awaiting_rel: 100,
      },
      conn_state: 'connected',
      disconnected_at: null,
      statistics: STATISTICS,
      subscriptions_cnt: 2,
    });
    expect(Object.keys(session!.statistics!).sort()).toEqual([...STATISTICS_FIELDS].sort());
  });

  it('pages until meta.hasnext is false', async () => {
    const clients = Array.from({ length: 7 }, (_, i) => client(`c${i}`));
    const { url, pages } = await emqx(clients);
    const sessions = await collect(list('v5', url, { pageSize: 3 }));
    expect(sessions.map((s) => s.conn.clientid)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(pages()).toBe(3);
  });

  it('lists an offline session as disconnected with its disconnect time; MQIsdp as listed; null username', async () => {
    const { url } = await emqx([client('offline', { connected: false, disconnected_at: CONNECTED_AT + 5_432, proto_name: 'MQIsdp', proto_ver: 3, username: null, mountpoint: null })]);
    const [session] = await collect(list('v5', url));
    expect(session).toMatchObject({ conn_state: 'disconnected', disconnected_at: CONNECTED_AT + 5_432 });
    expect(session!.conn).toMatchObject({ proto_name: 'MQIsdp', proto_ver: 3, username: null, mountpoint: null });
  });

  it('looks one client up: the session, or undefined on 404', async () => {
    const { url } = await emqx([client('a/b c')]);
    const view = list('v5', url);
    const signal = new AbortController().signal;
    expect((await view.lookup('a/b c', signal))?.conn).toMatchObject({ clientid: 'a/b c', connected_at: CONNECTED_AT });
    expect(await view.lookup('nobody', signal)).toBeUndefined();
  });

  it('covers every node of the cluster', async () => {
    // Answered without a request: the URL, a port just closed, is never reached.
    const view = list('v5', `http://127.0.0.1:${await freePort()}`);
    expect(view.covers('emqx@10.0.0.1')).toBe(true);
    expect(view.covers('emqx@10.0.0.9')).toBe(true);
  });
});

describe('EmqxClientList (v4)', () => {
  it('maps 4.4 names, reads "YYYY-MM-DD HH:mm:ss" as UTC to the second, lists its zone', async () => {
    const { url } = await emqx([client('a', { username: null, mountpoint: null })]);
    const view = list('v4', url);
    expect(view.name).toBe('emqx4');
    expect(view.connectedAtPrecisionMs).toBe(1000);
    const [session] = await collect(view);
    expect(session!.conn).toEqual({
      clientid: 'a',
      node: 'emqx@10.0.0.1',
      conn_id: '',
      connected_at: CONNECTED_AT - 123,
      created_at: CONNECTED_AT - 60_000 - 123,
      // 4.4 lists the atom `undefined` as a string.
      username: null,
      mountpoint: null,
      zone: 'internal',
      ip_address: '10.1.2.3',
      port: 52044,
      proto_name: 'MQTT',
      proto_ver: 5,
      keepalive: 60,
      clean_start: false,
      expiry_interval: 7200,
      is_bridge: true,
      max_subscriptions: 0,
      max_inflight: 32,
      max_mqueue: 1000,
      max_awaiting_rel: 100,
    });
    expect(session!.statistics).toEqual(STATISTICS);
    expect(session!.subscriptions_cnt).toBe(2);
  });

  it('pages with _page/_limit until meta.hasnext is false; offline sessions carry their disconnect time', async () => {
    const clients = Array.from({ length: 5 }, (_, i) => client(`c${i}`, i === 4 ? { connected: false, disconnected_at: CONNECTED_AT + 9_999 } : {}));
    const { url, pages } = await emqx(clients);
    const sessions = await collect(list('v4', url, { pageSize: 2 }));
    expect(sessions.map((s) => s.conn.clientid)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(pages()).toBe(3);
    expect(sessions[4]).toMatchObject({ conn_state: 'disconnected', disconnected_at: CONNECTED_AT - 123 + 10_000 });
  });

  it('looks one client up: the session, or undefined for an empty data list', async () => {
    const { url } = await emqx([client('a')]);
    const view = list('v4', url);
    const signal = new AbortController().signal;
    expect((await view.lookup('a', signal))?.conn.clientid).toBe('a');
    expect(await view.lookup('nobody', signal)).toBeUndefined();
  });
});

describe.each(['v5', 'v4'] as const)('EmqxClientList (%s) lookups of awkward client ids', (dialect) => {
  it('finds each client by its own id among the others, "." and ".." included', async () => {
    // Each client connected at its own second, so a session of another client would show.
    const clients = AWKWARD_IDS.map((clientid, i) => client(clientid, { connected_at: CONNECTED_AT + i * 1000 }));
    const view = list(dialect, (await emqx([...clients, client('other')])).url);
    const signal = new AbortController().signal;
    for (const [i, clientid] of AWKWARD_IDS.entries()) {
      const session = await view.lookup(clientid, signal);
      expect(session?.conn.clientid, clientid).toBe(clientid);
      // EMQX 4 lists times to the second.
      expect(Math.floor(session!.conn.connected_at / 1000), clientid).toBe(Math.floor((CONNECTED_AT + i * 1000) / 1000));
    }
  });

  it('says "." and ".." are not held while the cluster holds other clients', async () => {
    const view = list(dialect, (await emqx([client('other'), client('...')])).url);
    for (const clientid of DOT_SEGMENT_IDS) expect(await view.lookup(clientid, new AbortController().signal)).toBeUndefined();
  });
});

describe.each(['v5', 'v4'] as const)('EmqxClientList (%s) failures', (dialect) => {
  it('throws EmqxApiError on refused credentials, without the secret', async () => {
    const { url } = await emqx([client('a')]);
    const error = await collect(list(dialect, url, { secret: 'wrong-secret-xyz' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmqxApiError);
    expect((error as Error).message).toContain('401');
    expect((error as Error).message).not.toContain('wrong-secret-xyz');
  });

  it('throws EmqxApiError when a later page fails (HTTP 500)', async () => {
    let calls = 0;
    const api = await startEmqxRestApi({
      backend: {
        clients: () => {
          calls += 1;
          if (calls > 1) throw new Error('node down');
          return [client('a'), client('b'), client('c')];
        },
        kick: async () => false,
      },
      credentials: CREDENTIALS,
    });
    cleanups.push(() => api.stop());
    const seen: string[] = [];
    const error = await (async () => {
      for await (const session of list(dialect, api.url, { pageSize: 2 }).sessions(new AbortController().signal)) seen.push(session.conn.clientid);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(EmqxApiError);
    expect((error as Error).message).toContain('HTTP 500');
  });

  it('throws EmqxApiError within its timeout when the broker never answers', async () => {
    const url = await silentServer();
    const started = Date.now();
    const error = await collect(list(dialect, url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmqxApiError);
    expect((error as Error).message).toContain('no answer in time');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5000);
  });

  it('stops without an error when the caller aborts, mid-request or between pages', async () => {
    const controller = new AbortController();
    const url = await silentServer();
    const pending = collect(list(dialect, url), controller.signal);
    controller.abort();
    expect(await pending).toEqual([]);

    const { url: listing, pages } = await emqx(Array.from({ length: 6 }, (_, i) => client(`c${i}`)));
    const between = new AbortController();
    const seen: string[] = [];
    for await (const session of list(dialect, listing, { pageSize: 2 }).sessions(between.signal)) {
      seen.push(session.conn.clientid);
      if (seen.length === 2) between.abort();
    }
    expect(seen).toEqual(['c0', 'c1']);
    expect(pages()).toBe(1);
  });
});

/** Accepts connections and never answers. */
async function silentServer(): Promise<string> {
  const server = await loopbackServer(() => {});
  cleanups.push(server.stop);
  return server.url;
}
