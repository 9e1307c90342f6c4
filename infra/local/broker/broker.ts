/**
 * A broker node for local use and tests: aedes (MQTT 3.1, 3.1.1 and 5.0) on a
 * loopback port, reporting its sessions to the sessions table as a fleet's
 * broker would, and executing kicks from its control topic.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client, type UnsubscribePacket } from 'aedes';
import { commandTopic } from '../../../functions/control/channel.js';
import type { NodeSessionWriter } from './node-writer.js';
import { silentLog, type LocalLog } from '../log.js';
import { DEFAULT_ZONE, type ZoneSettings } from './connection-info.js';
import { refuseInvalidClientIds } from './client-identifier.js';
import { ControlAccess, type ControlCredentials } from './control-access.js';
import { ControlSubscription } from './control-subscription.js';
import { HeldSessions } from './held-sessions.js';
import type { BrokerView } from '../../../functions/sources/broker-view.js';
import { COMMAND_VERSION } from '../../../functions/control/channel.js';
import { connKey } from '../../../functions/sessions/keys.js';
import { randomUUID } from 'node:crypto';
import { Kicker } from './kicker.js';
import { MeteredConnection } from './metered-connection.js';
import { SessionPersistence } from './session-persistence.js';
import { SessionRecorder } from './session-recorder.js';
import { StatisticsReporter } from './statistics-reporter.js';
import { ClientWriteQueue } from './write-queue.js';
import { HeldSessionsView } from './held-view.js';
import { reconcile, type ReconcileReport } from '../../../functions/reconcile/reconcile.js';
import { StatisticsMemo } from '../../../functions/reconcile/statistics-memo.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../../../functions/sessions/table.js';
import { urlHost } from '../listen-address.js';

export type BrokerOptions = {
  /** The node name sessions are recorded under, e.g. `local@127.0.0.1`. */
  node: string;
  writer: NodeSessionWriter;
  control: ControlCredentials & { topicPrefix: string };
  /** Loopback by default. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  zone?: Partial<ZoneSettings>;
  /** How often changed statistics are written. */
  statsIntervalMs?: number;
  /** How often expired offline sessions are ended. */
  sweepIntervalMs?: number;
  /** The table the writer writes, for the periodic reconciliation of what this node holds against it. */
  reconciliation?: { db: DynamoDBDocumentClient; table: TableRef; intervalMs: number };
  log?: LocalLog;
};

export type LocalBroker = {
  readonly node: string;
  readonly port: number;
  readonly url: string;
  /** The node's control topic. */
  readonly controlTopic: string;
  /** Unsubscribes from the control topic: commands are accepted by the broker but nobody executes them. */
  stopExecutingCommands(): Promise<void>;
  startExecutingCommands(): Promise<void>;
  /** Closes the API's control connections and refuses new ones (CONNACK "server unavailable"). */
  refuseControlConnections(): Promise<void>;
  acceptControlConnections(): void;
  /** Writes changed statistics now; returns how many. */
  reportStatistics(): Promise<number>;
  /** Discards expired offline sessions here and ends expired ones in the table; returns how many the table had. */
  sweep(now?: number): Promise<number>;
  /** Makes the table agree with what this node holds now (what the timer does every interval). */
  reconcile(): Promise<ReconcileReport | undefined>;
  /** Reconciles against another view of this node from now on (the EMQX stand-in's REST list). */
  reconcileThrough(view: BrokerView): void;
  /** What the node holds, for views of it. */
  readonly sessions: HeldSessions;
  /** Kicks a client as a broker's own API does; false when the node holds no such client. */
  kick(clientid: string): Promise<boolean>;
  /** Subscribes a connected client to a topic filter as if it had sent SUBSCRIBE (EMQX's API does the same); false when it is not connected here. */
  subscribeOnBehalf(clientid: string, topic: string, qos: 0 | 1 | 2): Promise<boolean>;
  /** Ends a connected client's subscription as if it had sent UNSUBSCRIBE; false when it is not connected here. */
  unsubscribeOnBehalf(clientid: string, topic: string): Promise<boolean>;
  /** Resolves once every session write and command received so far is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export const DEFAULT_STATS_INTERVAL_MS = 5_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** How long a stopping node waits for session writes that keep failing: short enough for `npm start` to end within 5 s. */
const STOP_DRAIN_MS = 3_000;

/** aedes keeps its connected clients by id in `clients`, which its typings leave out. */
function connectedClient(aedes: Aedes, clientid: string): Client | undefined {
  return (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[clientid];
}

function peer(conn: unknown): string {
  const socket = conn instanceof MeteredConnection ? conn : undefined;
  return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort ?? 0}` : 'a closed socket';
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

export async function startBroker(options: BrokerOptions): Promise<LocalBroker> {
  const { node, writer } = options;
  const log = options.log ?? silentLog;
  const host = options.host ?? '127.0.0.1';
  const zone: ZoneSettings = { ...DEFAULT_ZONE, ...options.zone };
  const bootAt = Date.now();

  // Its sessions were in memory: whatever the table still shows for this node is over.
  try {
    const ended = await writer.endNodeSessions(node, bootAt, { keepPersistent: false });
    if (ended > 0) log.info(`ended ${ended} sessions left from before this node started`);
  } catch (error) {
    log.error('could not end the sessions left from before this node started', error);
  }

  const sessions = new HeldSessions();
  const persistence = new SessionPersistence();
  const queue = new ClientWriteQueue({ log });
  const access = new ControlAccess(options.control.topicPrefix, options.control);
  const recorder = new SessionRecorder({ node, zone, bootAt, sessions, persistence, access, writer, queue, log });

  const aedes = await Aedes.createBroker({
    persistence: persistence.instance,
    preConnect: recorder.preConnect,
    authenticate: refuseInvalidClientIds(access.authenticate),
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
    authorizeForward: access.authorizeForward,
  });
  recorder.attach(aedes);
  aedes.on('clientError', (client, error) => log.info(`client ${JSON.stringify(client.id)} error: ${error.message}`));
  // Connections refused before they had a client id (an unsupported protocol version, a malformed CONNECT).
  aedes.on('connectionError', (client, error) => log.info(`refused a connection from ${peer(client.conn)}: ${error.message}`));
  (aedes as EventEmitter).on('error', (error: Error) => log.error('broker error', error));

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(new MeteredConnection(socket));
  });
  let port: number;
  try {
    port = await listen(server, host, options.port ?? 0);
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }

  const kicker = new Kicker({ node, sessions, persistence, writer, queue, log });
  const controlTopic = commandTopic(options.control.topicPrefix, node, 'kick');
  const control = new ControlSubscription(aedes, controlTopic, (command) => kicker.execute(command), log);
  await control.subscribe();

  const reporter = new StatisticsReporter(sessions, persistence, writer, log);
  reporter.start(options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS);

  const sweep = async (now = Date.now()): Promise<number> => {
    for (const session of [...sessions.values()]) {
      if (!session.isExpired(now)) continue;
      sessions.drop(session);
      await persistence.discard(session.clientid);
    }
    return writer.expireSessions(now);
  };
  const sweepTimer = setInterval(() => {
    sweep().then(
      (expired) => expired > 0 && log.info(`expired ${expired} offline sessions`),
      (error: unknown) => log.error('expiry sweep failed', error),
    );
  }, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  // Every write is retried until it lands, but events can still be lost before they reach this
  // node's queue (a crash, a stop with the table down): the table is brought back to what the node holds.
  let view: BrokerView = new HeldSessionsView(node, sessions);
  let reconciling: Promise<ReconcileReport | undefined> | undefined;
  const statisticsMemo = new StatisticsMemo();
  const reconcileNow = (): Promise<ReconcileReport | undefined> => {
    const settings = options.reconciliation;
    if (!settings) return Promise.resolve(undefined);
    reconciling ??= reconcile({ db: settings.db, table: settings.table, view, signal: AbortSignal.timeout(settings.intervalMs), budgetMs: settings.intervalMs, statisticsMemo })
      .then(
        (report) => {
          const changed = report.ended + report.added + report.disconnected;
          if (changed > 0 || report.failed > 0) {
            log.info(`reconciled: ${report.ended} ended, ${report.added} added, ${report.disconnected} disconnected, ${report.failed} failed`);
          }
          return report;
        },
        (error: unknown) => {
          log.error('reconciliation failed', error);
          return undefined;
        },
      )
      .finally(() => {
        reconciling = undefined;
      });
    return reconciling;
  };
  const reconcileTimer = options.reconciliation ? setInterval(() => void reconcileNow(), options.reconciliation.intervalMs) : undefined;
  reconcileTimer?.unref();

  const idle = async () => {
    await control.idle();
    await queue.idle();
  };

  let stopping: Promise<void> | undefined;
  return {
    node,
    port,
    url: `mqtt://${urlHost(host)}:${port}`,
    controlTopic,
    stopExecutingCommands: () => control.unsubscribe(),
    startExecutingCommands: () => control.subscribe(),
    refuseControlConnections: () => access.refuse(),
    acceptControlConnections: () => access.accept(),
    reportStatistics: () => reporter.report(),
    sweep,
    reconcile: reconcileNow,
    reconcileThrough: (next) => {
      view = next;
    },
    sessions,
    subscribeOnBehalf: (clientid, topic, qos) =>
      new Promise<boolean>((resolve, reject) => {
        const client = connectedClient(aedes, clientid);
        if (!client) return resolve(false);
        client.subscribe({ topic, qos }, (error?: Error) => (error ? reject(error) : resolve(true)));
      }),
    unsubscribeOnBehalf: (clientid, topic) =>
      new Promise<boolean>((resolve, reject) => {
        const client = connectedClient(aedes, clientid);
        if (!client) return resolve(false);
        // An UNSUBSCRIBE without a message id: no UNSUBACK goes to the client.
        const packet = { cmd: 'unsubscribe', unsubscriptions: [topic] } as unknown as UnsubscribePacket;
        client.unsubscribe(packet, (error?: Error) => (error ? reject(error) : resolve(true)));
      }),
    kick: async (clientid) => {
      const held = sessions.get(clientid)?.last;
      if (!held) return false;
      const outcome = await kicker.execute({
        version: COMMAND_VERSION,
        type: 'kick',
        id: randomUUID(),
        clientid,
        node,
        conn_key: connKey(held.info),
        issued_at: new Date().toISOString(),
      });
      return outcome === 'kicked';
    },
    idle,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(sweepTimer);
        clearInterval(reconcileTimer);
        await reconciling;
        await reporter.stop();
        await control.unsubscribe();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Closing aedes closes every client; their disconnects are queued and written before stop() returns.
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        await control.idle();
        // Said, so that a stop shows its clients' last writes landed before the table went.
        if ((await queue.drain(STOP_DRAIN_MS)) === 0) log.info('stopped; every session write landed');
      })()),
  };
}
