/**
 * A broker that cannot be reached answers every surface 503 in the caller's
 * terms: the channel's own words (host names, addresses, the broker's error)
 * go to the log, once, and never into the answer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kickHandler } from '../../../functions/api/kick-handler.js';
import { ControlChannelError, type ControlChannel } from '../../../functions/control/channel.js';
import { observability } from '../../../functions/http/observability.js';
import { createTestTable, type TestTable } from '../../support/dynamodb.js';
import { httpEvent } from '../../support/http.js';
import { connected, connection } from '../../support/sessions.js';

const INTERNAL = [
  'cannot connect to the broker: getaddrinfo ENOTFOUND internal-broker.corp.example',
  'EMQX v5 API: DELETE /api/v5/clients/c: unreachable (ECONNREFUSED 127.0.0.1:1)',
  'EMQX v5 API: kick answered HTTP 500 code INTERNAL_ERROR {badmatch,{error,timeout}} at emqx_cm:kick_session/2',
];

const ROUTES = [
  { routeKey: 'DELETE /clients/{clientid}', rawPath: '/clients/unreachable-1' },
  { routeKey: 'DELETE /api/v4/clients/{clientid}', rawPath: '/api/v4/clients/unreachable-1' },
  { routeKey: 'DELETE /api/v5/clients/{clientid}', rawPath: '/api/v5/clients/unreachable-1' },
];

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable({ shards: 2 });
  await t.writer.apply(connected(connection({ clientid: 'unreachable-1', node: 'emqx@node-1', connected_at: Date.now() - 60_000 })));
});
afterAll(() => t.drop());

describe('a kick the broker cannot take', () => {
  it.each(INTERNAL)('answers 503 with Retry-After in the caller\'s terms on every surface, and logs "%s" once', async (detail) => {
    const channel: ControlChannel = { send: async () => Promise.reject(new ControlChannelError(detail)) };
    const logger = new Logger({ logLevel: 'SILENT' });
    const logged = vi.spyOn(logger, 'error');
    const kick = kickHandler({ ...observability({ POWERTOOLS_METRICS_DISABLED: 'true' }), logger, store: t.store, channel, confirmTimeoutMs: 200, now: Date.now });
    for (const route of ROUTES) {
      logged.mockClear();
      const response = await kick(httpEvent({ method: 'DELETE', ...route, pathParameters: { clientid: 'unreachable-1' } }));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('1');
      expect(response.body).toContain('the broker is unavailable, retry later');
      for (const word of ['ENOTFOUND', 'ECONNREFUSED', 'corp.example', '127.0.0.1', 'emqx_cm', 'EMQX', 'HTTP 500']) {
        expect(response.body).not.toContain(word);
      }
      expect(logged).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(logged.mock.calls[0], (_, value: unknown) => (value instanceof Error ? value.message : value))).toContain(detail);
    }
  });
});
