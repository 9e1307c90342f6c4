/**
 * The kick handler and the app's role: a viewer app (the authorizer's
 * context at `requestContext.authorizer.lambda`) is refused every kick, on
 * every surface, with 403 and that surface's error body, before the sessions
 * store or the broker is asked anything.
 */
import { describe, expect, it, vi } from 'vitest';
import { kickHandler } from '../../../functions/api/kick-handler.js';
import { API_ROUTES, routeKeyOf } from '../../../functions/api/routes.js';
import type { SessionStore } from '../../../functions/sessions/store.js';
import { gatewayEvent } from '../../../infra/local/api/gateway-event.js';
import { quietObservability, unreachableChannel } from '../../support/handlers.js';

const untouchable = new Proxy({} as SessionStore, {
  get: () => {
    throw new Error('the sessions store was not expected to be used');
  },
});
const send = vi.spyOn(unreachableChannel, 'send');
const handler = kickHandler({ ...quietObservability(), store: untouchable, channel: unreachableChannel, confirmTimeoutMs: 100, now: Date.now });

// Every route of the kick function that changes something; a viewer may still read (GET) through it.
const KICK_ROUTES = API_ROUTES.filter((route) => route.handler === 'kick' && route.method !== 'GET');

function kickEvent(route: (typeof KICK_ROUTES)[number], authorizerContext?: Record<string, string>) {
  const bulk = route.action === 'kickClients';
  return gatewayEvent({
    method: route.method,
    rawPath: route.path.replace('{clientid}', 'c1'),
    rawQueryString: '',
    headers: { host: 'localhost', ...(bulk ? { 'content-type': 'application/json' } : {}) },
    protocol: 'HTTP/1.1',
    sourceIp: '127.0.0.1',
    routeKey: routeKeyOf(route),
    ...(bulk ? { body: '["c1","c2"]' } : { pathParameters: { clientid: 'c1' } }),
    ...(authorizerContext ? { authorizerContext } : {}),
  });
}

const EMQX5_REFUSAL = { code: 'UNAUTHORIZED_ROLE', message: "This API Key don't have permission to access this resource" };

describe('a kick by an app whose role may not kick', () => {
  it('covers the single and bulk kicks of every surface', () => {
    expect(KICK_ROUTES.map((r) => `${r.surface}:${r.action}`).sort()).toEqual(
      ['emqx4:cleanAclCache', 'emqx4:kickClient', 'emqx4:subscribe', 'emqx4:unsubscribe', 'emqx5:kickClient', 'emqx5:kickClients', 'native:kickClient', 'native:kickClients'].sort(),
    );
  });

  for (const route of KICK_ROUTES) {
    it(`is 403 in the surface's own body: ${routeKeyOf(route)}`, async () => {
      for (const role of ['viewer', 'publisher', '']) {
        const response = await handler(kickEvent(route, { app_id: '0123456789ab', role }));
        expect(response.statusCode, role).toBe(403);
        const body = JSON.parse(response.body) as unknown;
        if (route.surface === 'emqx5') expect(body).toEqual(EMQX5_REFUSAL);
        else expect(body).toEqual({ code: 403, message: expect.stringContaining(`role ${role}`) });
      }
      expect(send).not.toHaveBeenCalled();
    });
  }

  it('lets an administrator app, and a caller without an app context, through to the kick', async () => {
    const route = KICK_ROUTES.find((r) => r.surface === 'emqx5' && r.action === 'kickClient')!;
    const contexts: (Record<string, string> | undefined)[] = [{ app_id: '0123456789ab', role: 'administrator' }, { app_id: '0123456789ab' }, undefined];
    for (const context of contexts) {
      // The untouchable store is reached: the role let the request pass, and it fails there as an internal error.
      expect((await handler(kickEvent(route, context))).statusCode, JSON.stringify(context)).toBe(500);
    }
  });
});
