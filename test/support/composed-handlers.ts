/**
 * The three HTTP handlers composed the way `functions/*.ts` compose them, but
 * over a document client the caller supplies (one with fault injection or
 * capacity accounting in its middleware stack) and a control channel of the
 * caller's choice.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseClientId } from '../../functions/clients/client-id.js';
import { getClient } from '../../functions/clients/get-client.js';
import { kickClient } from '../../functions/clients/kick-client.js';
import { listClients } from '../../functions/clients/list-clients.js';
import { parseClientQuery } from '../../functions/clients/query-params.js';
import type { ControlChannel } from '../../functions/control/channel.js';
import { httpHandler } from '../../functions/http/handler.js';
import { jsonResponse, type HttpResponse } from '../../functions/http/response.js';
import { SessionStore } from '../../functions/sessions/store.js';
import type { TableRef } from '../../functions/sessions/table.js';

export type Handler = (event: unknown) => Promise<HttpResponse>;

export type ComposedHandlers = { list: Handler; get: Handler; kick: Handler; store: SessionStore };

/** Refuses every command: for handlers whose tests must never reach the broker. */
export const unreachableChannel: ControlChannel = {
  send: async () => {
    throw new Error('the control channel was not expected to be used');
  },
};

export function composeHandlers(options: {
  db: DynamoDBDocumentClient;
  table: TableRef;
  cursorSecret?: string;
  channel?: ControlChannel;
  confirmTimeoutMs?: number;
}): ComposedHandlers {
  const store = new SessionStore(options.db, options.table);
  const logger = new Logger({ logLevel: 'SILENT' });
  const cursorSecret = options.cursorSecret ?? 'test-cursor-secret-0123456789';
  const channel = options.channel ?? unreachableChannel;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 3_000;
  return {
    store,
    list: httpHandler(logger, async (event) => {
      const query = parseClientQuery(event.rawQueryString);
      return jsonResponse(200, await listClients({ store, cursorSecret, now: Date.now() }, query));
    }),
    get: httpHandler(logger, async (event) => {
      const clientid = parseClientId(event.pathParameters?.clientid);
      return jsonResponse(200, await getClient(store, clientid, Date.now()));
    }),
    kick: httpHandler(logger, async (event) => {
      const clientid = parseClientId(event.pathParameters?.clientid);
      const outcome = await kickClient({ store, channel, confirmTimeoutMs, now: Date.now }, clientid);
      return jsonResponse(outcome.status, outcome.body);
    }),
  };
}
