/**
 * The clients list: filters, a lean page (`fields=`) of the columns shown,
 * paged by `clients_v2` cursors (by page number when filtering on a node,
 * which only `/clients` takes), the total where the API knows it exactly,
 * auto-refresh, and a bulk kick of the selected rows.
 */
import { apiQuery, filterForm, filtersOf, hashOf, type Filters } from './filters.js';
import { ApiFailure, call, type ClientRecord, type ListPage } from './api.js';
import { bulkKick } from './bulk-kick.js';
import { announce, h, replaceChildren, timeText } from './dom.js';

const COLUMNS: [field: string, header: string][] = [
  ['clientid', 'Client id'],
  ['username', 'Username'],
  ['node', 'Node'],
  ['ip_address', 'IP and port'],
  ['proto_ver', 'Protocol'],
  ['connected', 'Connected'],
  ['connected_at', 'Connected at'],
  ['created_at', 'Created at'],
  ['subscriptions_cnt', 'Subscriptions'],
  ['mqueue_len', 'Queue'],
];
const FIELDS = [...COLUMNS.map(([field]) => field), 'port', 'proto_name'].join(',');
const LIMITS = ['10', '25', '50', '100', '500'];
const REFRESH_MS = 5000;

export type ViewContext = { mayKick: boolean; onSignedOut(failure: ApiFailure): void };

const PROTOCOLS: Record<string, string> = { '3': '3.1', '4': '3.1.1', '5': '5' };

function cell(field: string, client: ClientRecord): Node | string {
  const value = client[field];
  switch (field) {
    case 'clientid':
      return h('a', { href: `#/client/${encodeURIComponent(client.clientid)}`, class: 'id' }, client.clientid);
    case 'ip_address':
      return value ? `${String(value)}${client.port !== undefined ? ` : ${String(client.port)}` : ''}` : '—';
    case 'proto_ver':
      return `${String(client.proto_name ?? 'MQTT')} ${PROTOCOLS[String(value)] ?? String(value ?? '')}`.trim();
    case 'connected':
      return h('span', { class: value ? 'yes' : 'no' }, value ? 'yes' : 'no');
    case 'connected_at':
    case 'created_at':
      return timeText(value);
    default:
      return value === undefined || value === null || value === '' ? '—' : String(value);
  }
}

export function clientsView(root: HTMLElement, query: URLSearchParams, context: ViewContext): () => void {
  const filters = filtersOf(query);
  const limit = LIMITS.includes(query.get('limit') ?? '') ? query.get('limit')! : '25';
  const byNode = filters.node !== undefined;
  // Page i starts at cursors[i] (clients_v2), or is page i + 1 (/clients by node).
  const cursors: (string | undefined)[] = [undefined];
  let index = 0;
  let hasNext = false;
  const selected = new Set<string>();
  let timer: number | undefined;
  let loading = false;

  const navigate = (next: Filters, nextLimit = limit) => {
    const hash = hashOf(nextLimit === '25' ? next : { ...next, limit: nextLimit });
    if (location.hash === hash) void load();
    else location.hash = hash;
  };

  const total = h('p', { class: 'total', id: 'total' });
  const tbody = h('tbody');
  const pageLabel = h('span', { class: 'page', 'aria-live': 'polite' });
  const previous = h('button', { type: 'button', onclick: () => move(-1) }, 'Previous page');
  const next = h('button', { type: 'button', onclick: () => move(1) }, 'Next page');
  const kickSelected = h('button', { type: 'button', class: 'danger', disabled: true, onclick: () => void kickTheSelected() }, 'Kick selected');
  const refresh = h('input', { type: 'checkbox', id: 'auto-refresh' });
  const limitSelect = h('select', { id: 'page-size' }, ...LIMITS.map((l) => h('option', { value: l, selected: l === limit }, l)));
  limitSelect.addEventListener('change', () => navigate(filters, limitSelect.value));
  refresh.addEventListener('change', () => {
    window.clearInterval(timer);
    timer = refresh.checked ? window.setInterval(() => void load(), REFRESH_MS) : undefined;
  });

  const updateSelection = () => {
    kickSelected.disabled = selected.size === 0;
    kickSelected.textContent = selected.size === 0 ? 'Kick selected' : `Kick selected (${selected.size})`;
  };

  const row = (client: ClientRecord) => {
    const pick = context.mayKick
      ? h('td', {}, h('input', { type: 'checkbox', 'aria-label': `Select ${client.clientid}`, checked: selected.has(client.clientid) }))
      : null;
    pick?.firstElementChild?.addEventListener('change', (event) => {
      if ((event.target as HTMLInputElement).checked) selected.add(client.clientid);
      else selected.delete(client.clientid);
      updateSelection();
    });
    return h('tr', {}, pick, ...COLUMNS.map(([field]) => h(field === 'clientid' ? 'th' : 'td', field === 'clientid' ? { scope: 'row' } : {}, cell(field, client))));
  };

  async function load(): Promise<void> {
    if (loading) return;
    loading = true;
    const query = apiQuery(filters);
    query.set('limit', limit);
    query.set('fields', FIELDS);
    const cursor = cursors[index];
    if (byNode) query.set('page', String(index + 1));
    else if (cursor) query.set('cursor', cursor);
    try {
      const { body } = await call<ListPage>('GET', `/api/v5/${byNode ? 'clients' : 'clients_v2'}?${query}`);
      hasNext = byNode ? body.meta.hasnext === true : body.meta.cursor !== undefined;
      if (!byNode) cursors[index + 1] = body.meta.cursor;
      const shown = new Set(body.data.map((c) => c.clientid));
      for (const id of selected) if (!shown.has(id)) selected.delete(id);
      replaceChildren(tbody, ...(body.data.length ? body.data.map(row) : [h('tr', {}, h('td', { colspan: COLUMNS.length + 1 }, 'No clients match.'))]));
      previous.disabled = index === 0;
      next.disabled = !hasNext;
      pageLabel.textContent = `Page ${index + 1}`;
      updateSelection();
      if (byNode && body.meta.count !== undefined && body.meta.count >= 0) total.textContent = `${body.meta.count} clients`;
    } catch (error) {
      failed(error);
    } finally {
      loading = false;
    }
  }

  async function loadTotal(): Promise<void> {
    if (byNode) return;
    const query = apiQuery(filters);
    query.set('limit', '1');
    query.set('fields', 'clientid');
    try {
      const { body } = await call<ListPage>('GET', `/api/v5/clients?${query}`);
      const count = body.meta.count;
      total.textContent = count !== undefined && count >= 0 ? `${count} clients` : 'Total not counted for these filters';
    } catch {
      total.textContent = '';
    }
  }

  function failed(error: unknown) {
    if (error instanceof ApiFailure && error.isSignedOut) context.onSignedOut(error);
    else announce(error instanceof Error ? error.message : String(error), 'error');
  }

  function move(step: number) {
    if (step > 0 && !hasNext) return;
    index = Math.max(0, index + step);
    selected.clear();
    void load();
  }

  async function kickTheSelected() {
    const ids = [...selected];
    if (await bulkKick(ids, root, failed)) {
      selected.clear();
      await load();
    }
  }

  replaceChildren(
    root,
    h('h1', {}, 'Clients'),
    filterForm(filters, (applied) => navigate(applied)),
    h(
      'div',
      { class: 'toolbar' },
      total,
      h('label', { for: 'page-size' }, 'Rows per page '),
      limitSelect,
      h('span', { class: 'switch' }, refresh, h('label', { for: 'auto-refresh' }, 'Auto-refresh (5 s)')),
      context.mayKick ? kickSelected : null,
    ),
    h('div', { class: 'outcomes', id: 'outcomes' }),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'clients' },
        h('caption', { class: 'visually-hidden' }, 'Clients'),
        h('thead', {}, h('tr', {}, context.mayKick ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')) : null, ...COLUMNS.map(([, title]) => h('th', { scope: 'col' }, title)))),
        tbody,
      ),
    ),
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, pageLabel, next),
  );
  void load();
  void loadTotal();
  return () => window.clearInterval(timer);
}
