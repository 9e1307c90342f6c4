/**
 * A list filter as data, and its two readings: a DynamoDB filter expression
 * for index walks, and a predicate for items already in hand. Both readings
 * are tested to agree.
 */
import type { ConnState, ProtoName } from '../sessions/model.js';
import type { Expression } from '../sessions/index-walk.js';

export type Range = { gte?: number; lte?: number };

/** The filters of GET /clients after parsing. Repeated clientid/username mean "any of". */
export type ClientFilter = {
  clientids?: string[];
  /** The broker node holding the session. */
  node?: string;
  usernames?: string[];
  zone?: string;
  ip_address?: string;
  conn_state?: ConnState;
  clean_start?: boolean;
  proto_name?: ProtoName;
  proto_ver?: number;
  like_clientid?: string;
  like_username?: string;
  created_at?: Range;
  connected_at?: Range;
  mqueue_len?: Range;
  mqueue_dropped?: Range;
};

type Scalar = string | number | boolean;

export type Condition =
  | { op: 'in'; attr: string; values: Scalar[] }
  | { op: 'contains'; attr: string; value: string }
  | { op: 'range'; attr: string; range: Range };

/** The filter as conditions; `created_at` is left out when an index key serves it. */
export function conditionsOf(filter: ClientFilter, options: { includeCreatedAt: boolean }): Condition[] {
  const conditions: Condition[] = [];
  const equal = (attr: string, value: Scalar | undefined) => {
    if (value !== undefined) conditions.push({ op: 'in', attr, values: [value] });
  };
  if (filter.clientids) conditions.push({ op: 'in', attr: 'clientid', values: filter.clientids });
  if (filter.usernames) conditions.push({ op: 'in', attr: 'username', values: filter.usernames });
  equal('node', filter.node);
  equal('zone', filter.zone);
  equal('ip_address', filter.ip_address);
  equal('conn_state', filter.conn_state);
  equal('clean_start', filter.clean_start);
  equal('proto_name', filter.proto_name);
  equal('proto_ver', filter.proto_ver);
  if (filter.like_clientid !== undefined) conditions.push({ op: 'contains', attr: 'clientid', value: filter.like_clientid });
  if (filter.like_username !== undefined) conditions.push({ op: 'contains', attr: 'username', value: filter.like_username });
  const ranges: Array<[string, Range | undefined]> = [
    ['connected_at', filter.connected_at],
    ['mqueue_len', filter.mqueue_len],
    ['mqueue_dropped', filter.mqueue_dropped],
  ];
  if (options.includeCreatedAt) ranges.unshift(['created_at', filter.created_at]);
  for (const [attr, range] of ranges) {
    if (range && (range.gte !== undefined || range.lte !== undefined)) conditions.push({ op: 'range', attr, range });
  }
  return conditions;
}

/**
 * One DynamoDB filter expression for the conditions, plus "not expired at
 * `now`" unless `now` is undefined (an index without `expires_at`).
 */
export function toFilterExpression(conditions: readonly Condition[], now: number | undefined): Expression {
  const names: Record<string, string> = {};
  const values: Record<string, Scalar> = {};
  const parts: string[] = [];
  if (now !== undefined) {
    names['#exp'] = 'expires_at';
    values[':now'] = now;
    parts.push('(attribute_not_exists(#exp) OR #exp > :now)');
  }
  conditions.forEach((condition, i) => {
    const name = `#a${i}`;
    names[name] = condition.attr;
    switch (condition.op) {
      case 'in': {
        const placeholders = condition.values.map((value, j) => {
          values[`:v${i}_${j}`] = value;
          return `:v${i}_${j}`;
        });
        parts.push(placeholders.length === 1 ? `${name} = ${placeholders[0]}` : `${name} IN (${placeholders.join(', ')})`);
        break;
      }
      case 'contains':
        values[`:v${i}`] = condition.value;
        parts.push(`contains(${name}, :v${i})`);
        break;
      case 'range': {
        const { gte, lte } = condition.range;
        if (gte !== undefined) {
          values[`:g${i}`] = gte;
          parts.push(`${name} >= :g${i}`);
        }
        if (lte !== undefined) {
          values[`:l${i}`] = lte;
          parts.push(`${name} <= :l${i}`);
        }
        break;
      }
    }
  });
  return { expression: parts.join(' AND '), names, values };
}

/** The same conditions, for an item in hand (attributes by the item's own names). */
export function matches(item: Record<string, unknown>, conditions: readonly Condition[]): boolean {
  return conditions.every((condition) => {
    const value = item[condition.attr];
    switch (condition.op) {
      case 'in':
        return value !== undefined && value !== null && condition.values.includes(value as Scalar);
      case 'contains':
        return typeof value === 'string' && value.includes(condition.value);
      case 'range': {
        if (typeof value !== 'number') return false;
        const { gte, lte } = condition.range;
        return (gte === undefined || value >= gte) && (lte === undefined || value <= lte);
      }
    }
  });
}

/** Whether the query filters at all, and whether only by conn_state (the cases with an exact count). */
export function filterKind(filter: ClientFilter): 'none' | 'conn_state' | 'other' {
  const keys = Object.keys(filter);
  if (keys.length === 0) return 'none';
  if (keys.length === 1 && keys[0] === 'conn_state') return 'conn_state';
  return 'other';
}
