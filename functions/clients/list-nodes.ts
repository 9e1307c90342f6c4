/** The broker nodes that hold sessions, with their sessions by state (from the counter shards: one read each). */
import type { ConnState } from '../sessions/model.js';
import type { SessionStore } from '../sessions/store.js';

export type NodeSummary = { node: string; sessions: Record<ConnState, number> };

export async function listNodes(store: SessionStore): Promise<NodeSummary[]> {
  const nodes = await store.countByNode();
  return [...nodes]
    .map(([node, sessions]) => ({
      node,
      sessions: { connected: Math.max(sessions.connected, 0), idle: Math.max(sessions.idle, 0), disconnected: Math.max(sessions.disconnected, 0) },
    }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}
