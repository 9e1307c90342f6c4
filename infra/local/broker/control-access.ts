/**
 * Who may use the control topics: only clients that log in with the control
 * credentials may publish commands, and no network client receives them;
 * control clients are not sessions of the fleet. Control
 * connections can be refused for a while, as when the broker is out of reach
 * of the API.
 *
 * A control connection's client id must stay its own: any other client
 * connecting with it would take the connection over (and drop it). So `$SYS`
 * topics, which announce every client id, are kept to control clients, and a
 * client id a control client has used is refused to anyone else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';

export type ControlCredentials = { username: string; password: string };

type Handler<K extends keyof AedesOptions> = NonNullable<AedesOptions[K]>;

/** CONNACK return codes of MQTT 3.1.1. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** A topic or filter with a `$SYS` level (`$SYS/#`, `$share/group/$SYS/#`). */
const isSysTopic = (topicOrFilter: string) => topicOrFilter.split('/').includes('$SYS');

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function refusal(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export class ControlAccess {
  private readonly controlClients = new WeakSet<Client>();
  private readonly openControlClients = new Set<Client>();
  /** Client ids control clients have used: few (one per API process), kept for the broker's life. */
  private readonly controlIds = new Set<string>();
  private accepting = true;

  constructor(
    private readonly topicPrefix: string,
    private readonly credentials: ControlCredentials,
  ) {}

  isControlClient(client: Client | null): boolean {
    return client !== null && this.controlClients.has(client);
  }

  /** Whether a topic, or a filter without wildcards before the prefix's end, lies under the control prefix. */
  private underControlPrefix(topicOrFilter: string): boolean {
    return topicOrFilter === this.topicPrefix || topicOrFilter.startsWith(`${this.topicPrefix}/`);
  }

  readonly authenticate: Handler<'authenticate'> = (client, username, password, done) => {
    if (username !== this.credentials.username) {
      if (this.controlIds.has(client.id)) return done(refusal('the client id of a control connection', NOT_AUTHORIZED), false);
      return done(null, true);
    }
    if (!sameSecret(password?.toString('utf8') ?? '', this.credentials.password)) {
      return done(refusal('bad control credentials', BAD_USERNAME_OR_PASSWORD), false);
    }
    if (!this.accepting) return done(refusal('control connections refused', SERVER_UNAVAILABLE), false);
    this.controlClients.add(client);
    this.openControlClients.add(client);
    this.controlIds.add(client.id);
    done(null, true);
  };

  readonly authorizePublish: Handler<'authorizePublish'> = (client, packet, done) => {
    if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS topics are reserved'));
    // A null client is the broker itself (wills and internal publishes).
    if (this.underControlPrefix(packet.topic) && client !== null && !this.isControlClient(client)) {
      return done(new Error('only control clients publish on the control topics'));
    }
    done(null);
  };

  readonly authorizeSubscribe: Handler<'authorizeSubscribe'> = (client, subscription, done) => {
    const refused = this.underControlPrefix(subscription.topic) || (isSysTopic(subscription.topic) && !this.isControlClient(client));
    // A null subscription is a refusal: SUBACK 0x80 for that filter.
    done(null, refused ? null : subscription);
  };

  /** Wildcard subscribers (`#`, `+/…`) see every topic but the control and `$SYS` topics. */
  readonly authorizeForward: Handler<'authorizeForward'> = (client, packet) =>
    (this.underControlPrefix(packet.topic) || isSysTopic(packet.topic)) && !this.isControlClient(client) ? null : packet;

  forget(client: Client): void {
    this.openControlClients.delete(client);
  }

  /** Closes the open control connections and refuses new ones until `accept()`. */
  async refuse(): Promise<void> {
    this.accepting = false;
    await Promise.all([...this.openControlClients].map((client) => new Promise<void>((resolve) => client.close(resolve))));
  }

  accept(): void {
    this.accepting = true;
  }
}
