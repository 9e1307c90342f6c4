/** An in-process aedes broker on a loopback port that can be stopped and started again on the same port. */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { freePort } from '../../infra/local/dynamodb-local.js';

export type TestBroker = {
  readonly port: number;
  readonly url: string;
  /** The running broker; replaced on every start. */
  readonly aedes: Aedes;
  readonly running: boolean;
  start(): Promise<Aedes>;
  stop(): Promise<void>;
};

export async function testBroker(options: AedesOptions = {}, port?: number): Promise<TestBroker> {
  const chosen = port ?? (await freePort());
  let aedes: Aedes | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  const broker: TestBroker = {
    port: chosen,
    url: `mqtt://127.0.0.1:${chosen}`,
    get aedes() {
      if (!aedes) throw new Error('the broker is not running');
      return aedes;
    },
    get running() {
      return server !== undefined;
    },
    async start() {
      if (aedes && server) return aedes;
      const instance = await Aedes.createBroker(options);
      const listening = createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        instance.handle(socket);
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(chosen, '127.0.0.1', () => resolve());
      });
      aedes = instance;
      server = listening;
      return instance;
    },
    async stop() {
      const [instance, listening] = [aedes, server];
      aedes = undefined;
      server = undefined;
      if (!instance || !listening) return;
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => instance.close(() => resolve()));
      await closed;
    },
  };
  await broker.start();
  return broker;
}
