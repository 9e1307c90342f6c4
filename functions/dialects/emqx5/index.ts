/**
 * EMQX 5.8's `/api/v5` surface: its answers and statuses, from
 * emqx_mgmt_api_clients.erl and emqx_mgmt_api_subscriptions.erl (tag v5.8.9).
 * Parsing is in list.ts and query.ts, the client object in client.ts, errors in errors.ts.
 */
import { jsonResponse, type HttpResponse } from '../../http/response.js';
import type { Dialect } from '../dialect.js';
import { toEmqx5Client } from './client.js';
import { CLIENTID_NOT_FOUND, renderEmqx5Error, serviceUnavailable } from './errors.js';
import { renderEmqx5Node, renderEmqx5Nodes } from './nodes.js';

const noContent = (): HttpResponse => ({ statusCode: 204, headers: {}, body: '' });
const clientNotFound = () => jsonResponse(404, CLIENTID_NOT_FOUND);

export const EMQX5_DIALECT: Dialect = {
  renderList({ sessions, meta }, request) {
    const data = sessions.map((s) => toEmqx5Client(s, request.fields));
    if (request.action === 'listClientsByCursor') {
      // format_results/2 (l.1019-1042): count is this page's rows; cursor only while there is more.
      return jsonResponse(200, { data, meta: { count: data.length, ...(meta.cursor !== undefined ? { cursor: meta.cursor } : {}) } });
    }
    // emqx_dashboard_swagger.erl fields(count), l.211-218: "present only if the query can be optimized".
    const count = meta.count >= 0 && !request.query.impossible ? { count: meta.count } : {};
    return jsonResponse(200, { data, meta: { page: request.shownPage, limit: meta.limit, hasnext: meta.hasnext, ...count } });
  },
  renderClient(session) {
    // lookup/1 (l.1217-1223): one object, or 404.
    return session ? jsonResponse(200, toEmqx5Client(session)) : clientNotFound();
  },
  renderClients(sessions) {
    return jsonResponse(200, sessions.map((s) => toEmqx5Client(s)));
  },
  renderSubscriptions(session, topics) {
    // subscriptions/2 (l.894-906) and emqx_mgmt_api_subscriptions:format/2 (l.174-191).
    // Our topic sets keep the QoS only: nl, rap and rh read 0, their MQTT defaults; durable is false.
    if (!session) return clientNotFound();
    return jsonResponse(
      200,
      topics.map((t) => ({ node: session.node, topic: t.topic, clientid: session.clientid, qos: t.qos, nl: 0, rap: 0, rh: 0, durable: false })),
    );
  },
  renderNodes: renderEmqx5Nodes,
  renderNode: renderEmqx5Node,
  renderKick(result) {
    // kickout/1 (l.1225-1231): 404 for an unknown client, 204 for any other result,
    // so a kick the broker took but has not confirmed yet is 204 too.
    return result === 'not-found' ? clientNotFound() : noContent();
  },
  renderBulkKick(results) {
    // kickout_clients/2 (l.855-862): 204, unknown clientids included (each node kicks what it holds).
    const unreachable = results.filter((r) => r.outcome === 'unavailable').map((r) => r.clientid);
    if (unreachable.length === 0) return noContent();
    // EMQX answers 500 UNKNOWN_ERROR for a failed node call; the broker being out of reach is retryable here.
    return serviceUnavailable(`broker unreachable, not kicked: ${unreachable.join(', ')}`);
  },
  renderError: renderEmqx5Error,
};
