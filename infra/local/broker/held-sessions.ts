/**
 * What this node holds: a session per clientid (it outlives connections when
 * persistent) and the connection it has now or had last.
 */
import type { Client } from 'aedes';
import type { ConnectionInfo, Statistics } from '../../../functions/sessions/model.js';
import type { MeteredConnection } from './metered-connection.js';

export class HeldConnection {
  /** Snapshot sequence numbers of this connection; the table keeps the highest. */
  statsSeq = 0;
  subsSeq = 0;
  /** The statistics last written, to skip writing unchanged figures. */
  reported: Statistics | undefined;
  open = true;
  /** Ended by a kick: its disconnect is the kick's business. */
  kicked = false;

  constructor(
    readonly client: Client,
    readonly info: ConnectionInfo,
    readonly meter: MeteredConnection | undefined,
    readonly session: HeldSession,
  ) {}
}

export class HeldSession {
  /** Topic filters subscribed in this session; aedes restores them on reconnect without telling. */
  readonly topics = new Set<string>();
  /** The open connection, if any. */
  connection: HeldConnection | undefined;
  /** The newest connection, open or not. */
  last: HeldConnection | undefined;
  /** Epoch ms after which an offline persistent session is gone; null while connected. */
  expiresAt: number | null = null;

  constructor(
    readonly clientid: string,
    readonly createdAt: number,
  ) {}

  isExpired(now: number): boolean {
    return this.connection === undefined && this.expiresAt !== null && this.expiresAt <= now;
  }
}

export class HeldSessions {
  private readonly byClientId = new Map<string, HeldSession>();
  private readonly byClient = new WeakMap<Client, HeldConnection>();

  get(clientid: string): HeldSession | undefined {
    return this.byClientId.get(clientid);
  }

  connectionOf(client: Client): HeldConnection | undefined {
    return this.byClient.get(client);
  }

  /** Makes `connection` the session's open connection. */
  open(connection: HeldConnection): void {
    const session = connection.session;
    session.connection = connection;
    session.last = connection;
    session.expiresAt = null;
    this.byClientId.set(session.clientid, session);
    this.byClient.set(connection.client, connection);
  }

  /** Forgets the session, if it is still the one held for its clientid. */
  drop(session: HeldSession): void {
    if (this.byClientId.get(session.clientid) === session) this.byClientId.delete(session.clientid);
  }

  values(): IterableIterator<HeldSession> {
    return this.byClientId.values();
  }

  get size(): number {
    return this.byClientId.size;
  }
}
