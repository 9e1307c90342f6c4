/** The native surface: REST statuses, EMQX 4's client object and numeric codes. */
import { toClient } from '../clients/render.js';
import { jsonResponse, nativeFailureResponse } from '../http/response.js';
import { CONN_STATES } from '../sessions/model.js';
import { pickFields, type Dialect } from './dialect.js';

export const NATIVE_DIALECT: Dialect = {
  renderList({ sessions, meta }, request) {
    return jsonResponse(200, { code: 0, data: sessions.map((s) => pickFields(toClient(s), request.fields)), meta });
  },
  renderClient(session) {
    return jsonResponse(200, { code: 0, data: session ? [toClient(session)] : [] });
  },
  renderClients(sessions) {
    return jsonResponse(200, { code: 0, data: sessions.map(toClient) });
  },
  renderSubscriptions(session, topics) {
    if (!session) return jsonResponse(404, { code: 112, message: 'Client not found' });
    return jsonResponse(200, {
      code: 0,
      data: topics.map((t) => ({ node: session.node, clientid: session.clientid, topic: t.topic, qos: t.qos })),
    });
  },
  renderNodes(nodes) {
    return jsonResponse(200, {
      code: 0,
      data: nodes.map(({ node, sessions }) => ({
        node,
        ...sessions,
        sessions: CONN_STATES.reduce((sum, state) => sum + sessions[state], 0),
      })),
    });
  },
  renderKick(result) {
    switch (result) {
      case 'kicked':
        return jsonResponse(200, { code: 0 });
      case 'pending':
        return jsonResponse(202, { code: 0, message: 'kick pending' });
      case 'not-found':
        return jsonResponse(404, { code: 112, message: 'Client not found' });
    }
  },
  renderBulkKick(results) {
    return jsonResponse(200, { code: 0, data: results });
  },
  // The native answers are the http frame's own: one table (http/errors.ts) with a switch over every reason.
  renderError: nativeFailureResponse,
};
