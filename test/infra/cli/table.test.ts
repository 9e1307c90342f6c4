import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../infra/cli/table.js';

describe('the CLI table', () => {
  it('aligns columns and shows absent values as -', () => {
    expect(renderTable([{ clientid: 'a', username: null }, { clientid: 'longer', username: 'u' }], ['clientid', 'username'])).toBe(
      ['CLIENTID  USERNAME', 'a         -', 'longer    u'].join('\n'),
    );
  });

  it('escapes control characters of client ids and usernames, so a row cannot add or erase lines', () => {
    const forged = 'dev\n2026-01-01T00:00:00Z  connected';
    const erasing = 'x\u001b[2K\u001b[1A\r';
    const rows = [
      { clientid: forged, username: erasing },
      { clientid: 'c1\u0085\u009b31m', username: 'del\u007f ls\u2028ps\u2029' },
      { clientid: 'tab\tnul\u0000', username: { nested: 'x\u2028\u0007' } },
    ];
    const table = renderTable(rows, ['clientid', 'username']);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(table).toContain('dev\\x0a2026-01-01T00:00:00Z  connected');
    expect(table).toContain('x\\x1b[2K\\x1b[1A\\x0d');
    expect(table).toContain('c1\\x85\\x9b31m');
    expect(table).toContain('del\\x7f ls\\u2028ps\\u2029');
    expect(table).toContain('tab\\x09nul\\x00');
    expect(table).toContain('{"nested":"x\\u2028\\u0007"}');
  });

  it('leaves other text, non-ASCII included, as it is', () => {
    expect(renderTable([{ clientid: 'capteur/é/🚀 %2E ..' }], ['clientid'])).toBe('CLIENTID\ncapteur/é/🚀 %2E ..');
  });
});
