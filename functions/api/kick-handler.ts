/** The kick routes (one client, or a list of them) on every surface, through the control channel given. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { kickClients, parseClientIdList } from '../clients/bulk-kick.js';
import { parseClientId } from '../clients/client-id.js';
import { kickClient, type KickContext } from '../clients/kick-client.js';
import type { KickConfig } from '../config.js';
import type { BrokerApi } from '../control/broker-api.js';
import { brokerApiFor, controlChannelFor } from '../control/select-channel.js';
import { brokerCall, isBrokerCall } from './broker-calls.js';
import { dialectHandler, requestBody } from './dialect-handler.js';
import { Failure, isFailure } from '../failures.js';
import { callerRole, mayKick } from '../http/app-role.js';
import type { Observability } from '../http/observability.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SessionStore } from '../sessions/store.js';
import { SessionWriter } from '../sessions/writer.js';

/** The kick context without a request's deadline, and the function's logger and metrics. */
export type KickDeps = Observability &
  Omit<KickContext, 'deadline'> & {
    /** The broker's management API, where it has one (EMQX). */
    brokerApi?: (() => Promise<BrokerApi>) | undefined;
    /** The kick channel's name (`KICK_VIA`), for the refusal where there is no broker API. */
    via?: string | undefined;
  };

export function kickHandler(deps: KickDeps) {
  const { logger, metrics, brokerApi: _, via: __, ...context } = deps;
  return dialectHandler('kick', logger, metrics, async ({ event, route, dialect, deadline }) => {
    // A viewer app is refused before anything is read or sent; it may read (the ACL cache).
    const role = callerRole(event);
    if (route.method !== 'GET' && !mayKick(role)) throw new Failure({ kind: 'forbidden', role: role ?? '' });
    if (isBrokerCall(route.action)) return brokerCall(route.action, event, deps.brokerApi, deps.via ?? 'mqtt');
    if (route.action === 'kickClients') {
      return dialect.renderBulkKick(await kickClients({ ...context, deadline }, parseClientIdList(requestBody(event))));
    }
    const clientid = parseClientId(event.pathParameters?.clientid);
    try {
      return dialect.renderKick((await kickClient({ ...context, deadline }, clientid)).status === 200 ? 'kicked' : 'pending');
    } catch (error) {
      if (isFailure(error, 'client-not-found')) return dialect.renderKick('not-found');
      throw error;
    }
  });
}

/**
 * The kick function's deps from its configuration. The channel (one broker
 * connection or HTTP client) lives as long as the deps: a warm instance's.
 */
export function kickDepsOf(config: KickConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): KickDeps {
  return {
    ...observed,
    store: new SessionStore(db, config),
    channel: controlChannelFor(config),
    brokerApi: brokerApiFor(config),
    via: config.via,
    confirmTimeoutMs: config.confirmTimeoutMs,
    now: Date.now,
    // Only a broker that can answer "no such client" leads to a write.
    ...(config.via === 'mqtt' ? {} : { writer: new SessionWriter(db, config) }),
  };
}
