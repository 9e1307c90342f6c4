/**
 * Sessions per broker node as a bar chart (SVG built with DOM calls). From
 * `GET /api/v5/nodes` where the API has it; otherwise counted from the
 * client list (at most MAX_COUNTED sessions, said so under the chart).
 */
import { ApiFailure, call, type ListPage } from './api.js';
import type { ViewContext } from './clients-view.js';
import { announce, h, replaceChildren, svg } from './dom.js';

type NodeCount = { node: string; sessions: number; connected: number };
type EmqxNode = { node: string; connections?: number; live_connections?: number };

const MAX_COUNTED = 10_000;

async function fromNodes(): Promise<NodeCount[] | undefined> {
  try {
    const { body } = await call<EmqxNode[]>('GET', '/api/v5/nodes');
    return body.map((n) => ({ node: n.node, sessions: n.connections ?? 0, connected: n.live_connections ?? n.connections ?? 0 }));
  } catch (error) {
    if (error instanceof ApiFailure && (error.status === 404 || error.status === 405)) return undefined;
    throw error;
  }
}

async function fromList(): Promise<{ counts: NodeCount[]; complete: boolean }> {
  const counts = new Map<string, NodeCount>();
  let cursor: string | undefined;
  let seen = 0;
  do {
    const query = new URLSearchParams({ limit: '1000', fields: 'node,connected' });
    if (cursor) query.set('cursor', cursor);
    const { body } = await call<ListPage>('GET', `/api/v5/clients_v2?${query}`);
    for (const client of body.data) {
      const node = String(client.node ?? '?');
      const count = counts.get(node) ?? { node, sessions: 0, connected: 0 };
      count.sessions += 1;
      if (client.connected) count.connected += 1;
      counts.set(node, count);
    }
    seen += body.data.length;
    cursor = body.meta.cursor;
  } while (cursor && seen < MAX_COUNTED);
  return { counts: [...counts.values()], complete: cursor === undefined };
}

function chart(counts: NodeCount[]): SVGElement {
  const rowHeight = 28;
  const labelWidth = 220;
  const barWidth = 400;
  const max = Math.max(1, ...counts.map((c) => c.sessions));
  const height = rowHeight * counts.length + 8;
  return svg(
    'svg',
    { viewBox: `0 0 ${labelWidth + barWidth + 120} ${height}`, role: 'img', 'aria-labelledby': 'nodes-chart-title', class: 'chart' },
    svg('title', { id: 'nodes-chart-title' }, 'Sessions per node'),
    ...counts.flatMap((c, i) => {
      const y = i * rowHeight + 4;
      const all = Math.round((c.sessions / max) * barWidth);
      const live = Math.round((c.connected / max) * barWidth);
      return [
        svg('text', { x: labelWidth - 8, y: y + 17, 'text-anchor': 'end', class: 'label' }, c.node.length > 32 ? `${c.node.slice(0, 31)}…` : c.node),
        svg('rect', { x: labelWidth, y, width: Math.max(all, 1), height: rowHeight - 8, class: 'bar-all' }),
        svg('rect', { x: labelWidth, y, width: live, height: rowHeight - 8, class: 'bar-live' }),
        svg('text', { x: labelWidth + Math.max(all, 1) + 6, y: y + 17, class: 'value' }, `${c.connected} / ${c.sessions}`),
      ];
    }),
  );
}

export function nodesView(root: HTMLElement, context: ViewContext): () => void {
  replaceChildren(root, h('h1', {}, 'Nodes'), h('p', {}, 'Loading…'));
  void (async () => {
    try {
      const listed = await fromNodes();
      const { counts, complete } = listed ? { counts: listed, complete: true } : await fromList();
      counts.sort((a, b) => b.sessions - a.sessions || (a.node < b.node ? -1 : 1));
      replaceChildren(
        root,
        h('h1', {}, 'Nodes'),
        counts.length === 0 ? h('p', {}, 'No node holds a session.') : h('figure', {}, chart(counts), h('figcaption', {}, 'Connected / all sessions per node.', complete ? '' : ` Counted from the first ${MAX_COUNTED} sessions only.`)),
        h(
          'table',
          { class: 'nodes' },
          h('caption', { class: 'visually-hidden' }, 'Sessions per node'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Node'), h('th', { scope: 'col' }, 'Connected'), h('th', { scope: 'col' }, 'Sessions'))),
          h('tbody', {}, ...counts.map((c) => h('tr', {}, h('th', { scope: 'row', class: 'id' }, h('a', { href: `#/clients?node=${encodeURIComponent(c.node)}` }, c.node)), h('td', {}, c.connected), h('td', {}, c.sessions)))),
        ),
      );
    } catch (error) {
      if (error instanceof ApiFailure && error.isSignedOut) context.onSignedOut(error);
      else announce(error instanceof Error ? error.message : String(error), 'error');
    }
  })();
  return () => undefined;
}
