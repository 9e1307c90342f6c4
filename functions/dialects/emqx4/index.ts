/**
 * EMQX 4.4's `/api/v4` surface: its answers, HTTP statuses included
 * (minirest answers its errors with HTTP 200 and a nonzero `code`).
 * Sources: emqx_mgmt_api_clients.erl, emqx_mgmt_api_subscriptions.erl,
 * emqx_mgmt_api_nodes.erl, emqx_mgmt_api.erl on the 4.4 branch.
 */
import { filterKind } from '../../clients/filter.js';
import { unreachable } from '../../failures.js';
import { nativeError } from '../../http/errors.js';
import { errorResponse, jsonResponse } from '../../http/response.js';
import { CONN_STATES } from '../../sessions/model.js';
import { pickFields, type Dialect } from '../dialect.js';
import { toEmqx4Client } from './client.js';

export const EMQX4_DIALECT: Dialect = {
  renderList({ sessions, meta }, request) {
    // emqx_mgmt_api:cluster_query/3: any query parameter makes the count -1; the node of the path is none.
    const { node: _, ...filter } = request.query.filter;
    const count = filterKind(filter) === 'none' && !request.query.impossible ? meta.count : -1;
    return jsonResponse(200, {
      code: 0,
      data: sessions.map((s) => pickFields(toEmqx4Client(s), request.fields)),
      meta: { ...meta, page: request.shownPage, count },
    });
  },
  renderClient(session) {
    return jsonResponse(200, { code: 0, data: session ? [toEmqx4Client(session)] : [] });
  },
  renderClients(sessions) {
    return jsonResponse(200, { code: 0, data: sessions.map(toEmqx4Client) });
  },
  renderSubscriptions(session, topics) {
    const data = session ? topics.map((t) => ({ node: session.node, topic: t.topic, clientid: session.clientid, qos: t.qos })) : [];
    return jsonResponse(200, { code: 0, data });
  },
  renderNodes(nodes) {
    // emqx_mgmt:node_info/1: `connections` counts the node's channels, offline persistent sessions included.
    const data = nodes.map(({ node, sessions }) => ({
      node,
      node_status: 'Running',
      connections: CONN_STATES.reduce((sum, state) => sum + sessions[state], 0),
    }));
    return jsonResponse(200, { code: 0, data });
  },
  renderKick(result) {
    // 4.4's emqx_cm:kick_session/1 answers ok for a client it does not hold, so DELETE is {"code":0} either way.
    return jsonResponse(200, result === 'pending' ? { code: 0, message: 'kick pending' } : { code: 0 });
  },
  renderBulkKick(results) {
    return jsonResponse(200, { code: 0, data: results });
  },
  renderError(reason) {
    const error = nativeError(reason);
    switch (reason.kind) {
      case 'invalid-parameter':
      case 'bad-cursor':
      case 'offset-too-deep':
      case 'response-too-large':
        // A bad parameter is HTTP 200 with code 108 in minirest.
        return jsonResponse(200, { code: error.code, message: error.message });
      case 'client-not-found':
      case 'forbidden':
      case 'store-busy':
      case 'deadline-exceeded':
      case 'broker-unavailable':
      case 'internal':
        // What is not the caller's fault keeps its native status.
        return errorResponse(error);
      default:
        return unreachable(reason);
    }
  },
};
