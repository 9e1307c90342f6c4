/**
 * An API dialect: how one surface (native, EMQX 4.4's `/api/v4`, EMQX 5's
 * `/api/v5`) reads a request and shows the same domain answers. Parsing,
 * rendering and the mapping of outcomes to HTTP statuses live here, so the
 * domain code answers every surface alike.
 */
import type { BulkKickResult } from '../clients/bulk-kick.js';
import type { KickResult } from '../clients/kick-client.js';
import type { SessionPage } from '../clients/list-clients.js';
import type { NodeSummary } from '../clients/list-nodes.js';
import type { ClientQuery } from '../clients/query-params.js';
import type { FailureReason } from '../failures.js';
import type { HttpResponse } from '../http/response.js';
import type { LiveSession } from '../sessions/model.js';
import type { TopicSubscription } from '../sessions/source-events.js';
import type { Action } from './surfaces.js';

/** A list request as a dialect read it: the domain query, and what the page shows back. */
export type ListRequest = {
  query: ClientQuery;
  /** The page number as the caller gave it (EMQX 4 echoes `_page=0` as 0). */
  shownPage: number;
  /** Client fields asked for (`fields=`), in the surface's names; undefined means all. */
  fields?: readonly string[];
  /** The route's action, where a surface shows its pages differently (EMQX 5's `clients_v2` pages by cursor). */
  action?: Action;
};

/**
 * How a surface reads a list request. Apart from {@link Dialect} because it
 * holds the surface's query grammar: only the list function loads one, and
 * only for the surfaces it is asked on.
 */
export type ListParser = (rawQueryString: string, pathParameters: Record<string, string>, action: Action) => ListRequest;

export interface Dialect {
  renderList(page: SessionPage, request: ListRequest): HttpResponse;
  /** One client, or none. */
  renderClient(session: LiveSession | undefined): HttpResponse;
  /** The clients of one username (EMQX 4's `/clients/username/{username}`). */
  renderClients(sessions: LiveSession[]): HttpResponse;
  renderSubscriptions(session: LiveSession | undefined, topics: TopicSubscription[]): HttpResponse;
  renderNodes(nodes: NodeSummary[]): HttpResponse;
  /** One node of `nodes` (every node holding sessions), or none: only surfaces with a route for one node have it. */
  renderNode?(name: string, nodes: NodeSummary[]): HttpResponse;
  renderKick(result: KickResult): HttpResponse;
  renderBulkKick(results: BulkKickResult[]): HttpResponse;
  /** A domain failure: each dialect handles every reason (an exhaustive switch). */
  renderError(reason: FailureReason): HttpResponse;
}

/** The client object with only the fields asked for (`fields=`), or whole. */
export function pickFields<T extends Record<string, unknown>>(client: T, fields: readonly string[] | undefined): Partial<T> {
  if (!fields) return client;
  return Object.fromEntries(fields.filter((name) => name in client).map((name) => [name, client[name]])) as Partial<T>;
}
