import { describe, expect, it } from 'vitest';
import type { KickCommand } from '../../../functions/control/channel.js';
import { parseKickCommand } from '../../../infra/local/broker/kick-command.js';

const command: KickCommand = {
  version: 1,
  type: 'kick',
  id: '5f0c',
  clientid: 'a/b',
  node: 'local@127.0.0.1',
  conn_key: '1764158400000#local@127.0.0.1#c1',
  issued_at: '2026-11-26T12:00:00.000Z',
};

describe('parseKickCommand', () => {
  it('takes a command as the API sends it', () => {
    expect(parseKickCommand(Buffer.from(JSON.stringify(command)))).toEqual({ ok: true, command });
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ ...command, version: 2 })],
    ['another type', JSON.stringify({ ...command, type: 'ban' })],
    ['no id', JSON.stringify({ ...command, id: '' })],
    ['no clientid', JSON.stringify({ ...command, clientid: undefined })],
    ['a time that is not RFC 3339', JSON.stringify({ ...command, issued_at: 'yesterday' })],
    ['an array', '[]'],
  ])('refuses %s, saying why', (_, payload) => {
    const parsed = parseKickCommand(payload);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.problem.length).toBeGreaterThan(0);
  });
});
