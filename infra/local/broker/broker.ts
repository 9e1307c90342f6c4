/**
 * A broker node for local use and tests: aedes (MQTT 3.1 and 3.1.1) on a
 * loopback port, reporting its sessions to the sessions table as a fleet's
 * broker would, and executing kicks from its control topic.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { commandTopic } from '../../../functions/control/channel.js';
import { isPersistent, type SessionEvent } from '../../../functions/sessions/model.js';
import type { SessionWriter } from '../../../functions/sessions/writer.js';
import { silentLog, type LocalLog } from '../log.js';
import {
  connectDetails,
  connectionIds,
  connectionInfo,
  DEFAULT_ZONE,
  MAX_AWAITING_REL,
  socketAddress,
  type ConnectDetails,
  type ZoneSettings,
} from './connection-info.js';
import { ControlAccess, type ControlCredentials } from './control-access.js';
import { ControlSubscription } from './control-subscription.js';
import { HeldConnection, HeldSession, HeldSessions } from './held-sessions.js';
import { Kicker } from './kicker.js';
import { MeteredConnection } from './metered-connection.js';
import { SessionPersistence } from './session-persistence.js';
import { StatisticsReporter } from './statistics-reporter.js';
import { ClientWriteQueue } from './write-queue.js';

export type BrokerOptions = {
  /** The node name sessions are recorded under, e.g. `local@127.0.0.1`. */
  node: string;
  writer: SessionWriter;
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
  /** Resolves once every session write and command received so far is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export const DEFAULT_STATS_INTERVAL_MS = 5_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

export async function startBroker(options: BrokerOptions): Promise<LocalBroker> {
  const { node, writer } = options;
  const log = options.log ?? silentLog;
  const zone: ZoneSettings = { ...DEFAULT_ZONE, ...options.zone };
  const bootAt = Date.now();
  const nextConnId = connectionIds(bootAt);

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
  const details = new WeakMap<Client, ConnectDetails>();
  const write = (event: SessionEvent) =>
    queue.push(event.conn.clientid, `${event.type} of ${event.conn.clientid}`, () => writer.apply(event));

  const aedes = await Aedes.createBroker({
    persistence: persistence.instance,
    maxInflightInbound: MAX_AWAITING_REL,
    authenticate: access.authenticate,
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
    authorizeForward: access.authorizeForward,
    preConnect: (client, packet, callback) => {
      details.set(client, connectDetails(packet));
      // A session past its expiry is gone, even if the sweep has not come by yet.
      const held = packet.clientId ? sessions.get(packet.clientId) : undefined;
      if (!held?.isExpired(Date.now())) return callback(null, true);
      sessions.drop(held);
      persistence.discard(held.clientid).then(
        () => callback(null, true),
        (error: unknown) => callback(error as Error, false),
      );
    },
  });

  aedes.on('client', (client) => {
    const connect = details.get(client);
    if (access.isControlClient(client) || !connect) return;
    const now = Date.now();
    const previous = sessions.get(client.id);
    const resumed = !connect.clean && previous !== undefined && !previous.isExpired(now);
    const session = resumed ? previous : new HeldSession(client.id, now);
    const meter = client.conn instanceof MeteredConnection ? client.conn : undefined;
    const info = connectionInfo({
      clientid: client.id,
      node,
      connId: nextConnId(),
      connectedAt: now,
      createdAt: session.createdAt,
      details: connect,
      ip: socketAddress(meter?.remoteAddress),
      port: meter?.remotePort ?? 0,
      zone,
    });
    const connection = new HeldConnection(client, info, meter, session);
    sessions.open(connection);
    // Written as soon as aedes has registered the client, before its CONNACK
    // leaves: by the time the client knows it is connected, the write is queued.
    write({ type: 'connected', conn: info });
    if (session.topics.size > 0) {
      write({ type: 'subscriptions', conn: info, seq: ++connection.subsSeq, subscriptions_cnt: session.topics.size });
    }
  });

  aedes.on('clientReady', (client) => {
    const connection = sessions.connectionOf(client);
    if (!connection?.open) return;
    const { info } = connection;
    log.info(`connected ${info.clientid} from ${info.ip_address}:${info.port} (MQTT v${info.proto_ver}, clean ${info.clean_start})`);
  });

  aedes.on('subscribe', (subscriptions, client) => {
    const connection = sessions.connectionOf(client);
    if (!connection?.open || client.closed) return;
    // 128 is a refused subscription.
    for (const subscription of subscriptions) if ((subscription.qos as number) !== 128) connection.session.topics.add(subscription.topic);
    const count = connection.session.topics.size;
    write({ type: 'subscriptions', conn: connection.info, seq: ++connection.subsSeq, subscriptions_cnt: count });
  });

  aedes.on('unsubscribe', (topics, client) => {
    const connection = sessions.connectionOf(client);
    // On close aedes drops a clean client's subscriptions too; the session ends with it anyway.
    if (!connection?.open || client.closed) return;
    for (const topic of topics) connection.session.topics.delete(topic);
    const count = connection.session.topics.size;
    write({ type: 'subscriptions', conn: connection.info, seq: ++connection.subsSeq, subscriptions_cnt: count });
  });

  aedes.on('clientDisconnect', (client) => {
    access.forget(client);
    const connection = sessions.connectionOf(client);
    if (!connection?.open) return;
    connection.open = false;
    if (connection.kicked) return;
    const { info, session } = connection;
    const at = Date.now();
    write({ type: 'disconnected', conn: info, at });
    if (session.connection === connection) {
      session.connection = undefined;
      if (isPersistent(info)) session.expiresAt = at + info.expiry_interval * 1000;
      else sessions.drop(session);
    }
    log.info(`disconnected ${info.clientid}`);
  });

  aedes.on('clientError', (client, error) => log.info(`client ${client.id} error: ${error.message}`));
  (aedes as EventEmitter).on('error', (error: Error) => log.error('broker error', error));

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

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(new MeteredConnection(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const idle = async () => {
    await control.idle();
    await queue.idle();
  };

  let stopping: Promise<void> | undefined;
  return {
    node,
    port,
    url: `mqtt://${host}:${port}`,
    controlTopic,
    stopExecutingCommands: () => control.unsubscribe(),
    startExecutingCommands: () => control.subscribe(),
    refuseControlConnections: () => access.refuse(),
    acceptControlConnections: () => access.accept(),
    reportStatistics: () => reporter.report(),
    sweep,
    idle,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(sweepTimer);
        await reporter.stop();
        await control.unsubscribe();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        await idle();
      })()),
  };
}
