/**
 * The local node as an EMQX stand-in: instead of writing the table, it posts
 * its session events to `/ingest/emqx` as EMQX's webhooks do, one request per
 * event (the node's per-client queue keeps each client's order), with EMQX's
 * delivery rules: EMQX 5 sends a 503 or 429 answer again, EMQX 4.4 drops any
 * answer outside 2xx; both retry a failed transport. EMQX has no statistics
 * event (its client list carries them, read by the reconciliation) and says
 * nothing of sessions lost in a restart.
 */
import { connKey } from '../../../functions/sessions/keys.js';
import type { ConnectionInfo, SessionEvent } from '../../../functions/sessions/model.js';
import type { SessionWriter, WriteOutcome } from '../../../functions/sessions/writer.js';
import type { NodeSessionWriter, TopicChange } from '../broker/node-writer.js';
import type { LocalLog } from '../log.js';
import { connectedBody, disconnectedBody, terminatedBody, topicBody, type EmqxDialect } from './webhook-bodies.js';

export type IngestTarget = { url: string; token: string };

/** Thrown for an answer EMQX would send again: the node's write queue retries it. */
class RetryableDelivery extends Error {}

/** The ingest route's answers that EMQX 5 retries. */
const RETRIED_STATUSES = new Set([429, 503]);

export class EmqxWebhookWriter implements NodeSessionWriter {
  private target: IngestTarget | undefined;
  /** Connections whose connect was posted, so that every later event has one before it. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly options: {
      dialect: EmqxDialect;
      /** Writes what stands for the deployed expiry sweeper. */
      table: SessionWriter;
      /** The listener's own address, EMQX's `sockname`. */
      sockname: () => string;
      log: LocalLog;
      timeoutMs?: number;
    },
  ) {}

  /** Where to post; set once the API listens. */
  deliverTo(target: IngestTarget): void {
    this.target = target;
  }

  async apply(event: SessionEvent): Promise<WriteOutcome> {
    const { dialect } = this.options;
    switch (event.type) {
      case 'statistics':
        return 'ignored';
      case 'connected':
      case 'subscriptions':
        await this.announce(event.conn);
        return 'applied';
      case 'disconnected':
        await this.announce(event.conn);
        await this.post(disconnectedBody(dialect, event.conn, event.at, 'normal', this.options.sockname()));
        this.announced.delete(connKey(event.conn));
        return 'applied';
      case 'terminated':
        if (event.reason === 'kicked') {
          await this.announce(event.conn);
          await this.post(disconnectedBody(dialect, event.conn, event.at, 'kicked', this.options.sockname()));
          this.announced.delete(connKey(event.conn));
        }
        // EMQX 5 has no session.terminated event; EMQX 4.4 sends it after the disconnect.
        if (dialect === 'v4') await this.post(terminatedBody(event.conn, event.reason));
        return 'applied';
    }
  }

  async applyAll(events: readonly SessionEvent[]): Promise<void> {
    for (const event of events) await this.apply(event);
  }

  async topicsChanged(conn: ConnectionInfo, change: TopicChange): Promise<void> {
    await this.announce(conn);
    const at = Date.now();
    for (const { topic, qos } of change.subscribed) await this.post(topicBody(this.options.dialect, conn, at, { topic, qos }));
    for (const topic of change.unsubscribed) await this.post(topicBody(this.options.dialect, conn, at, { topic }));
  }

  /** A kick of a connection the node does not hold: EMQX has no such report. */
  async mutate(): Promise<WriteOutcome> {
    return 'ignored';
  }

  /** EMQX reports nothing of the sessions a restarted node lost: the reconciliation ends them. */
  async endNodeSessions(): Promise<number> {
    return 0;
  }

  expireSessions(now?: number): Promise<number> {
    return this.options.table.expireSessions(now);
  }

  private async announce(conn: ConnectionInfo): Promise<void> {
    const key = connKey(conn);
    if (this.announced.has(key)) return;
    await this.post(connectedBody(this.options.dialect, conn, this.options.sockname()));
    this.announced.add(key);
  }

  private async post(body: Record<string, unknown>): Promise<void> {
    const target = this.target;
    if (!target) throw new RetryableDelivery('the ingest route is not listening yet');
    // A transport failure throws: both EMQX versions retry those.
    const response = await fetch(`${target.url}/ingest/emqx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const answer = await response.text();
    if (response.ok) return;
    const what = `${String(body.event ?? body.action)} of ${String(body.clientid)}: HTTP ${response.status} ${answer.slice(0, 200)}`;
    if (this.options.dialect === 'v5' && RETRIED_STATUSES.has(response.status)) throw new RetryableDelivery(`sent again: ${what}`);
    this.options.log.error(`webhook dropped, as EMQX drops it (${what})`);
  }
}
