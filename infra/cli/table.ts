import { printable } from '../printable.js';

/**
 * Rows as an aligned text table: a header line, then one line per row; absent
 * values shown as `-`, control characters escaped (a client id must not add or
 * erase rows on the terminal).
 */
export function renderTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const text = (value: unknown) => (value === undefined || value === null ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const cell = (value: unknown) => printable(text(value));
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}
