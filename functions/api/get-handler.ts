/** The single-client reads (a client, a username's clients, a client's subscriptions) on every surface, over the deps given. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseClientId } from '../clients/client-id.js';
import { findSession, findSessionsOfUsername, findSubscriptions, type Scope } from '../clients/get-client.js';
import { LIVE_STATISTICS_FALLBACK_METRIC, withLiveStatistics } from '../clients/live-statistics.js';
import type { GetConfig } from '../config.js';
import { liveStatisticsSourceOf, type LiveStatisticsSource } from '../control/live-statistics-source.js';
import { dialectHandler } from './dialect-handler.js';
import type { Observability } from '../http/observability.js';
import type { LiveSession } from '../sessions/model.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { SessionStore } from '../sessions/store.js';

export type GetDeps = Observability & {
  store: SessionStore;
  /** Where a shown client's live counters are read (EMQX); without it, the stored ones are shown. */
  liveStatistics?: LiveStatisticsSource | undefined;
};

export function getHandler(deps: GetDeps) {
  const { store, logger, metrics } = deps;

  /** The client, with the broker's live counters where it can give them. */
  async function shownClient(clientid: string, scope: Scope): Promise<LiveSession | undefined> {
    const session = await findSession(store, clientid, scope);
    if (!session || !deps.liveStatistics) return session;
    const shown = await withLiveStatistics(session, deps.liveStatistics);
    if (!shown.live) {
      metrics.addMetric(LIVE_STATISTICS_FALLBACK_METRIC, MetricUnit.Count, 1);
      // A broker that cannot answer is worth a warning; one that moved on is the table lagging behind it.
      const log = shown.reason === 'unavailable' ? logger.warn.bind(logger) : logger.info.bind(logger);
      log('live statistics not read: stored values shown', { reason: shown.reason, ...(shown.detail ? { detail: shown.detail } : {}) });
    }
    return shown.session;
  }

  return dialectHandler('get', logger, metrics, async ({ event, route, dialect }) => {
    const params = event.pathParameters ?? {};
    const scope = { node: params.node, now: Date.now() };
    switch (route.action) {
      case 'getClientsByUsername':
        // Many clients: one broker call each would cost what a list row must not, so they are shown as stored.
        return dialect.renderClients(await findSessionsOfUsername(store, parseClientId(params.username, 'username'), scope));
      case 'getSubscriptions': {
        const { session, topics } = await findSubscriptions(store, parseClientId(params.clientid), scope);
        return dialect.renderSubscriptions(session, topics);
      }
      default:
        return dialect.renderClient(await shownClient(parseClientId(params.clientid), scope));
    }
  });
}

/** The get function's deps from its configuration; `db` defaults to a client of the configured endpoint. */
export function getDepsOf(config: GetConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): GetDeps {
  return { ...observed, store: new SessionStore(db, config), liveStatistics: liveStatisticsSourceOf(config.liveStatistics) };
}
