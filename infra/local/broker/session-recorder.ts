/**
 * Turns what aedes tells about its clients into session events for the
 * table: connect (with the session's creation time kept across reconnects of
 * a persistent session), subscription counts, disconnect, takeover. Writes
 * go through the per-client queue, never on aedes' event path.
 */
import type { Aedes, AedesOptions, Client } from 'aedes';
import { isPersistent, type SessionEvent } from '../../../functions/sessions/model.js';
import type { NodeSessionWriter, TopicChange } from './node-writer.js';
import type { LocalLog } from '../log.js';
import { connectDetails, connectionIds, connectionInfo, socketAddress, type ConnectDetails, type ZoneSettings } from './connection-info.js';
import type { ControlAccess } from './control-access.js';
import { HeldConnection, HeldSession, type HeldSessions } from './held-sessions.js';
import { MeteredConnection } from './metered-connection.js';
import type { SessionPersistence } from './session-persistence.js';
import type { ClientWriteQueue } from './write-queue.js';

export type SessionRecorderDeps = {
  node: string;
  zone: ZoneSettings;
  bootAt: number;
  sessions: HeldSessions;
  persistence: SessionPersistence;
  access: ControlAccess;
  writer: NodeSessionWriter;
  queue: ClientWriteQueue;
  log: LocalLog;
};

/** SUBACK's "failure" return code. */
const REFUSED = 128;

export class SessionRecorder {
  private readonly details = new WeakMap<Client, ConnectDetails>();
  private readonly nextConnId: () => string;

  constructor(private readonly deps: SessionRecorderDeps) {
    this.nextConnId = connectionIds(deps.bootAt);
  }

  private write(event: SessionEvent): void {
    const { queue, writer } = this.deps;
    queue.push(event.conn.clientid, `${event.type} of ${event.conn.clientid}`, () => writer.apply(event));
  }

  /** aedes' preConnect hook: keeps the CONNECT details, and discards a session past its expiry. */
  readonly preConnect: NonNullable<AedesOptions['preConnect']> = (client, packet, callback) => {
    const { sessions, persistence } = this.deps;
    this.details.set(client, connectDetails(packet));
    // A session past its expiry is gone, even if the sweep has not come by yet.
    const held = packet.clientId ? sessions.get(packet.clientId) : undefined;
    if (!held?.isExpired(Date.now())) return callback(null, true);
    sessions.drop(held);
    persistence.discard(held.clientid).then(
      () => callback(null, true),
      (error: unknown) => callback(error as Error, false),
    );
  };

  attach(aedes: Aedes): void {
    aedes.on('client', (client) => this.registered(client));
    aedes.on('clientReady', (client) => this.ready(client));
    aedes.on('subscribe', (subscriptions, client) => {
      const granted = subscriptions
        .filter((s) => (s.qos as number) !== REFUSED)
        .map((s) => ({ topic: s.topic, qos: Math.min(s.qos, 2) as 0 | 1 | 2 }));
      this.subscriptionsChanged(client, (held) => granted.forEach(({ topic }) => held.add(topic)), { subscribed: granted, unsubscribed: [] });
    });
    aedes.on('unsubscribe', (topics, client) =>
      this.subscriptionsChanged(client, (held) => topics.forEach((topic) => held.delete(topic)), { subscribed: [], unsubscribed: topics }),
    );
    aedes.on('clientDisconnect', (client) => this.disconnected(client));
  }

  /** aedes registered the client (after closing any older connection with its clientid), before CONNACK. */
  private registered(client: Client): void {
    const { access, sessions, node, zone } = this.deps;
    const connect = this.details.get(client);
    if (access.isControlClient(client) || !connect) return;
    const now = Date.now();
    const previous = sessions.get(client.id);
    const resumed = !connect.clean && previous !== undefined && !previous.isExpired(now);
    const session = resumed ? previous : new HeldSession(client.id, now);
    const meter = client.conn instanceof MeteredConnection ? client.conn : undefined;
    const info = connectionInfo({
      clientid: client.id,
      node,
      connId: this.nextConnId(),
      connectedAt: now,
      createdAt: session.createdAt,
      details: connect,
      ip: socketAddress(meter?.remoteAddress),
      port: meter?.remotePort ?? 0,
      zone,
    });
    const connection = new HeldConnection(client, info, meter, session);
    sessions.open(connection);
    // Queued before the CONNACK leaves: once the client knows it is connected, so does the queue.
    // Every event stands for its connection, so a resumed session's subscription
    // count connects it too: one write, and no moment showing zero subscriptions.
    this.write(
      session.topics.size > 0
        ? { type: 'subscriptions', conn: info, seq: ++connection.subsSeq, subscriptions_cnt: session.topics.size }
        : { type: 'connected', conn: info },
    );
  }

  private ready(client: Client): void {
    const connection = this.deps.sessions.connectionOf(client);
    if (!connection?.open) return;
    const { info } = connection;
    this.deps.log.info(
      `connected ${info.clientid} from ${info.ip_address}:${info.port} (MQTT v${info.proto_ver}, clean ${info.clean_start}, expiry ${info.expiry_interval} s)`,
    );
  }

  private subscriptionsChanged(client: Client, change: (topics: Set<string>) => void, topicChange: TopicChange): void {
    const connection = this.deps.sessions.connectionOf(client);
    // On close aedes drops a clean client's subscriptions too; its session ends with it anyway.
    if (!connection?.open || client.closed) return;
    change(connection.session.topics);
    const { writer, queue } = this.deps;
    if (writer.topicsChanged) {
      const info = connection.info;
      queue.push(info.clientid, `topics of ${info.clientid}`, () => writer.topicsChanged!(info, topicChange));
    }
    this.write({
      type: 'subscriptions',
      conn: connection.info,
      seq: ++connection.subsSeq,
      subscriptions_cnt: connection.session.topics.size,
    });
  }

  private disconnected(client: Client): void {
    const { access, sessions, log } = this.deps;
    access.forget(client);
    const connection = sessions.connectionOf(client);
    if (!connection?.open) return;
    connection.open = false;
    // A kick records its own end of the connection.
    if (connection.kicked) return;
    const { info, session } = connection;
    const at = Date.now();
    this.write({ type: 'disconnected', conn: info, at });
    if (session.connection === connection) {
      session.connection = undefined;
      if (isPersistent(info)) session.expiresAt = at + info.expiry_interval * 1000;
      else {
        sessions.drop(session);
        // A session without expiry ends at disconnect; aedes keeps a Clean Start false one, so it is discarded.
        if (!client.clean) void this.deps.persistence.discard(info.clientid).catch((error: unknown) => log.error(`discarding ${info.clientid}`, error));
      }
    }
    log.info(`disconnected ${info.clientid}`);
  }
}
