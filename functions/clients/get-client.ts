/** Reads of one client: by clientid, by username, and its subscriptions; optionally only on one node. */
import { isVisible, type LiveSession, type SessionRecord } from '../sessions/model.js';
import type { TopicSubscription } from '../sessions/source-events.js';
import type { SessionStore } from '../sessions/store.js';
import { listSessions } from './list-clients.js';

/** Where to look: the whole fleet, or the sessions one node holds. */
export type Scope = { node?: string | undefined; now: number };

/** The most clients one username lookup answers (EMQX 4's row limit). */
export const MAX_USERNAME_CLIENTS = 10_000;

function inScope(record: SessionRecord | undefined, scope: Scope): record is LiveSession {
  return isVisible(record, scope.now) && (scope.node === undefined || record.node === scope.node);
}

export async function findSession(store: SessionStore, clientid: string, scope: Scope): Promise<LiveSession | undefined> {
  const record = await store.get(clientid, { consistent: false });
  return inScope(record, scope) ? record : undefined;
}

export async function findSessionsOfUsername(store: SessionStore, username: string, scope: Scope): Promise<LiveSession[]> {
  const filter = { usernames: [username], ...(scope.node !== undefined ? { node: scope.node } : {}) };
  const { sessions } = await listSessions({ store, now: scope.now }, { filter, page: 1, limit: MAX_USERNAME_CLIENTS, cursor: undefined });
  return sessions;
}

export async function findSubscriptions(
  store: SessionStore,
  clientid: string,
  scope: Scope,
): Promise<{ session: LiveSession | undefined; topics: TopicSubscription[] }> {
  const { session, topics } = await store.sessionTopics(clientid);
  return inScope(session, scope) ? { session, topics } : { session: undefined, topics: [] };
}
