/**
 * Write units as DynamoDB's pricing documents them, computed from the items
 * before and after a write. DynamoDB Local reports write capacity of plain
 * writes plausibly but not of transactions (a one-item transaction and a
 * two-item one both report 4 units per table, and index writes inside one are
 * reported at 4 units each), so the write path is priced with this model too.
 *
 * Rules (DynamoDB Developer Guide, "Capacity unit consumption" and "Global
 * secondary indexes — provisioned throughput considerations"):
 * - a table write costs 1 unit per started KB of the larger of the item before
 *   and after; inside TransactWriteItems, twice that;
 * - an index costs nothing if the item is in it neither before nor after, nor
 *   if neither its keys nor its projected attributes changed; 1 write (per
 *   started KB of the entry) to add, remove or rewrite an entry; 2 writes when
 *   the index key changes (delete the old entry, put the new one). Index writes
 *   are propagated after the transaction commits and are priced as standard
 *   writes here.
 */
import { SESSION_INDEXES, SESSIONS_TABLE, type IndexDefinition } from '../../functions/sessions/table.js';

export type Item = Record<string, unknown>;

/** Bytes of a number as DynamoDB stores it: about one byte per two significant digits, plus one. */
function numberSize(value: number): number {
  const digits = Math.abs(value).toString().replace('.', '').replace(/^0+/, '').replace(/0+$/, '') || '0';
  return Math.ceil(digits.length / 2) + 1 + (value < 0 ? 1 : 0);
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + valueSize(v) + 1, 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value as Item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k, 'utf8') + valueSize(v) + 1, 0);
  }
  throw new Error(`no DynamoDB size for ${typeof value}`);
}

/** Item size in bytes as DynamoDB counts it: attribute names plus values. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(value), 0);
}

const KB = 1024;
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));

/** The entry an index holds for an item, or undefined when the item has no key for it. */
export function indexEntry(index: IndexDefinition, item: Item | undefined): Item | undefined {
  if (!item || item[index.partitionKey.name] === undefined || item[index.sortKey.name] === undefined) return undefined;
  const names = [SESSIONS_TABLE.partitionKey.name, index.partitionKey.name, index.sortKey.name];
  if (index.projection.type === 'INCLUDE') names.push(...index.projection.nonKeyAttributes);
  const entry: Item = {};
  for (const name of names) if (item[name] !== undefined) entry[name] = item[name];
  return entry;
}

const sameEntry = (a: Item, b: Item) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export type ModeledUnits = { table: number; indexes: Record<string, number> };

export type ItemChange = { before: Item | undefined; after: Item | undefined; transactional: boolean };

export function modeledWriteUnits(changes: readonly ItemChange[]): ModeledUnits {
  const result: ModeledUnits = { table: 0, indexes: {} };
  for (const { before, after, transactional } of changes) {
    const size = Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0);
    result.table += writeUnits(size) * (transactional ? 2 : 1);
    for (const index of SESSION_INDEXES) {
      const old = indexEntry(index, before);
      const next = indexEntry(index, after);
      let units = 0;
      if (old && next) {
        const keyChanged = old[index.partitionKey.name] !== next[index.partitionKey.name] || old[index.sortKey.name] !== next[index.sortKey.name];
        if (keyChanged) units = writeUnits(itemSize(old)) + writeUnits(itemSize(next));
        else if (!sameEntry(old, next)) units = writeUnits(Math.max(itemSize(old), itemSize(next)));
      } else if (old || next) {
        units = writeUnits(itemSize((old ?? next)!));
      }
      if (units > 0) result.indexes[index.indexName] = (result.indexes[index.indexName] ?? 0) + units;
    }
  }
  return result;
}
