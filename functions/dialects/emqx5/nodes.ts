/**
 * EMQX 5.8's `GET /nodes` and `GET /nodes/{node}` (emqx_mgmt_api_nodes.erl
 * fields(node_info), emqx_mgmt.erl node_info/0), from what the table knows:
 * the nodes that hold sessions and their sessions by state. The fields about
 * the node's machine and release (`load1`, `load5`, `load15`, `max_fds`,
 * `memory_total`, `memory_used`, `otp_release`, `process_available`,
 * `process_used`, `uptime`, `version`, `edition`, `sys_path`, `log_path`,
 * `role`) are left out: nothing here knows them, and a made-up value would
 * read as a measurement.
 */
import type { NodeSummary } from '../../clients/list-nodes.js';
import { jsonResponse, type HttpResponse } from '../../http/response.js';
import { CONN_STATES } from '../../sessions/model.js';
import { emqx5Error } from './errors.js';

const sessionsOf = ({ sessions }: NodeSummary) => CONN_STATES.reduce((sum, state) => sum + sessions[state], 0);

/**
 * `connections`: the node's channels, offline persistent sessions included
 * (?CHAN_TAB); `live_connections`: its connected clients (?CHAN_LIVE_TAB);
 * `cluster_sessions`: the sessions of the whole cluster (?CHAN_REG_TAB, the
 * same on every node). A node of ours holds sessions, so it is `running`.
 */
function nodeInfo(node: NodeSummary, clusterSessions: number) {
  return {
    node: node.node,
    connections: sessionsOf(node),
    live_connections: node.sessions.connected,
    cluster_sessions: clusterSessions,
    node_status: 'running',
  };
}

const clusterSessionsOf = (nodes: NodeSummary[]) => nodes.reduce((sum, node) => sum + sessionsOf(node), 0);

export function renderEmqx5Nodes(nodes: NodeSummary[]): HttpResponse {
  const cluster = clusterSessionsOf(nodes);
  return jsonResponse(200, nodes.map((node) => nodeInfo(node, cluster)));
}

/** emqx_utils_api:with_node/2: a node that is not running is 404 NOT_FOUND "Node not found: <node>". */
export function renderEmqx5Node(name: string, nodes: NodeSummary[]): HttpResponse {
  const node = nodes.find((n) => n.node === name);
  if (!node) return emqx5Error(404, 'NOT_FOUND', `Node not found: ${name}`);
  return jsonResponse(200, nodeInfo(node, clusterSessionsOf(nodes)));
}
