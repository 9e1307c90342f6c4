/**
 * The list filters of `/api/v5/clients`: the form that edits them, and the
 * URL hash that keeps them, so that a view can be shared as a link.
 */
import { h } from './dom.js';

export type Filters = Record<string, string>;

type Field = { name: string; label: string; kind: 'text' | 'select' | 'time'; options?: [string, string][]; hint?: string };

/** Each list parameter of the API. Clientid and username take a match mode: exact, or substring (`like_`). */
export const FILTER_FIELDS: Field[] = [
  { name: 'conn_state', label: 'State', kind: 'select', options: [['', 'any'], ['connected', 'connected'], ['disconnected', 'disconnected'], ['idle', 'idle']] },
  { name: 'clientid', label: 'Client id', kind: 'text' },
  { name: 'clientid_match', label: 'Client id match', kind: 'select', options: [['like', 'contains'], ['exact', 'is exactly']] },
  { name: 'username', label: 'Username', kind: 'text' },
  { name: 'username_match', label: 'Username match', kind: 'select', options: [['like', 'contains'], ['exact', 'is exactly']] },
  { name: 'node', label: 'Node', kind: 'text' },
  { name: 'ip_address', label: 'IP address', kind: 'text', hint: 'IPv4 or IPv6' },
  { name: 'proto_ver', label: 'Protocol version', kind: 'select', options: [['', 'any'], ['3', 'MQTT 3.1'], ['4', 'MQTT 3.1.1'], ['5', 'MQTT 5']] },
  { name: 'clean_start', label: 'Clean start', kind: 'select', options: [['', 'any'], ['true', 'yes'], ['false', 'no']] },
  { name: 'gte_created_at', label: 'Created from', kind: 'time' },
  { name: 'lte_created_at', label: 'Created until', kind: 'time' },
  { name: 'gte_connected_at', label: 'Connected from', kind: 'time' },
  { name: 'lte_connected_at', label: 'Connected until', kind: 'time' },
];

const NAMES = new Set(FILTER_FIELDS.map((f) => f.name));

/** The filters a hash such as `#/clients?conn_state=connected&clientid=a` holds. */
export function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const [name, value] of query) if (NAMES.has(name) && value !== '') filters[name] = value;
  return filters;
}

export const hashOf = (filters: Filters) => {
  const query = new URLSearchParams(filters).toString();
  return `#/clients${query ? `?${query}` : ''}`;
};

/** The API's query parameters for these filters (times as RFC 3339, match modes as `like_`). */
export function apiQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = filters[field.name]?.trim();
    if (!value || field.name.endsWith('_match')) continue;
    if (field.name === 'clientid' || field.name === 'username') {
      query.set(filters[`${field.name}_match`] === 'exact' ? field.name : `like_${field.name}`, value);
    } else if (field.kind === 'time') {
      const date = new Date(value);
      query.set(field.name, Number.isNaN(date.getTime()) ? value : date.toISOString());
    } else {
      query.set(field.name, value);
    }
  }
  return query;
}

/** The filter form; `onApply` gets the filters it holds. */
export function filterForm(filters: Filters, onApply: (filters: Filters) => void): HTMLFormElement {
  const controls = FILTER_FIELDS.map((field) => {
    const id = `filter-${field.name}`;
    const value = filters[field.name] ?? '';
    const control =
      field.kind === 'select'
        ? h('select', { id, name: field.name }, ...field.options!.map(([v, text]) => h('option', { value: v, selected: v === value }, text)))
        : h('input', { id, name: field.name, type: field.kind === 'time' ? 'datetime-local' : 'text', value, placeholder: field.hint, autocomplete: 'off', spellcheck: 'false' });
    return h('div', { class: 'field' }, h('label', { for: id }, field.label), control);
  });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    ...controls,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters'), h('button', { type: 'reset' }, 'Clear')),
  );
  const read = () => {
    const next: Filters = {};
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value !== '') next[name] = value;
    // A match mode means nothing without its text.
    for (const name of ['clientid', 'username']) if (!next[name]) delete next[`${name}_match`];
    return next;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onApply(read());
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    onApply({});
  });
  return form;
}
