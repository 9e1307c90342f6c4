import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { holdsListeningPort } from '../../../infra/local/port-owner.js';

describe('holdsListeningPort', () => {
  it('tells the process that listens on a port from one that does not', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      expect(await holdsListeningPort(process.pid, port)).toBe(true);
      expect(await holdsListeningPort(other.pid!, port)).toBe(false);
      server.close();
      await once(server, 'close');
      // Nobody listens on it any more.
      expect(await holdsListeningPort(process.pid, port)).toBe(false);
    } finally {
      other.kill();
      server.close();
    }
  });
});
