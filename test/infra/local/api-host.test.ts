/** The local API answers only requests whose Host names it: DNS rebinding from a browser page is refused with 421. */
import { afterEach, describe, expect, it } from 'vitest';
import { jsonResponse } from '../../../functions/http/response.js';
import { isAllowedHost } from '../../../infra/local/api/host-check.js';
import { startApiServer, type ApiHandlers, type ApiServer } from '../../../infra/local/api/server.js';
import { silentLog } from '../../../infra/local/log.js';
import { rawRequest } from '../../support/raw-request.js';

const CREDENTIALS = { appId: 'local-app', appSecret: 'local-secret' };
const AUTH = `Basic ${Buffer.from('local-app:local-secret').toString('base64')}`;

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

/** Every operation answers 200 and counts its calls. */
async function server(host?: string) {
  let calls = 0;
  const answer = async () => {
    calls += 1;
    return jsonResponse(200, { data: [] });
  };
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_, name) => (name === 'authorizeApp' ? async () => ({ isAuthorized: false }) : answer),
  });
  const started = await startApiServer({ handlers, credentials: CREDENTIALS, log: silentLog, ...(host ? { host } : {}) });
  servers.push(started);
  return { server: started, calls: () => calls };
}

describe('the local API Host check', () => {
  it('answers loopback names and the listen address on its port', async () => {
    const { server: api, calls } = await server();
    for (const host of [`localhost:${api.port}`, `LOCALHOST:${api.port}`, `127.0.0.1:${api.port}`, `127.9.8.7:${api.port}`, `[::1]:${api.port}`]) {
      expect((await rawRequest(api.url, 'GET', '/api/v5/clients', { host, authorization: AUTH })).status, host).toBe(200);
    }
    expect(calls()).toBe(5);
  });

  it('answers 421 {code, message} to any other name or port, before credentials or handlers', async () => {
    const { server: api, calls } = await server();
    for (const host of [`attacker.example:${api.port}`, 'localhost', `localhost:${api.port + 1}`, `127.0.0.1.nip.io:${api.port}`, `10.0.0.1:${api.port}`, `[::2]:${api.port}`, '']) {
      const answer = await rawRequest(api.url, 'GET', '/api/v5/clients', { host, authorization: AUTH });
      expect(answer.status, host).toBe(421);
      const body = JSON.parse(answer.body) as { code: unknown; message: unknown };
      expect(body.code).toBe(421);
      expect(typeof body.message).toBe('string');
    }
    expect(calls()).toBe(0);
  });

  it('takes the configured listen address', async () => {
    const { server: api } = await server('127.0.0.2');
    expect((await rawRequest(api.url, 'GET', '/api/v5/clients', { host: `127.0.0.2:${api.port}`, authorization: AUTH })).status).toBe(200);
  });

  it('isAllowedHost: a name and the port, nothing else', () => {
    expect(isAllowedHost('0.0.0.0:8080', '0.0.0.0', 8080)).toBe(true);
    expect(isAllowedHost('[::]:8080', '::', 8080)).toBe(true);
    expect(isAllowedHost('example.com:8080', '0.0.0.0', 8080)).toBe(false);
    expect(isAllowedHost('127.0.0.1:8080:1', '127.0.0.1', 8080)).toBe(false);
    expect(isAllowedHost('user@127.0.0.1:8080', '127.0.0.1', 8080)).toBe(false);
    expect(isAllowedHost(undefined, '127.0.0.1', 8080)).toBe(false);
  });
});
