/**
 * Where the live counters of one shown client are read: the broker's own
 * `GET /api/{v5,v4}/clients/{clientid}` (EMQX), the same lookup
 * reconciliation asks before it ends a session. Brokers without an API that
 * can be read (AWS IoT, our MQTT control topic) have no source: their clients
 * are shown from the table alone.
 */
import type { LiveStatisticsConfig } from '../config.js';
import type { BrokerSession } from '../sources/broker-view.js';
import { emqxApiCredentials } from '../sources/emqx/api-credentials.js';
import { EmqxClientList } from '../sources/emqx/client-list.js';

export type LiveStatisticsSource = {
  /** How exactly the broker gives connect times (BrokerView.connectedAtPrecisionMs). */
  readonly precisionMs: number;
  /** Bound on one read, request to last byte (LIVE_STATISTICS_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** The broker's session of the client, undefined when it holds none; throws when the broker cannot be asked. */
  lookup(clientid: string, signal: AbortSignal): Promise<BrokerSession | undefined>;
};

/** Rows of the exact-clientid list a lookup falls back to for the ids `.` and `..`: one per node holding a channel. */
const LOOKUP_PAGE_SIZE = 100;

export function liveStatisticsSourceOf(config: LiveStatisticsConfig | undefined): LiveStatisticsSource | undefined {
  if (!config) return undefined;
  const list = new EmqxClientList({
    dialect: config.dialect,
    baseUrl: config.baseUrl,
    credentials: emqxApiCredentials(config),
    timeoutMs: config.timeoutMs,
    pageSize: LOOKUP_PAGE_SIZE,
  });
  return { precisionMs: list.connectedAtPrecisionMs, timeoutMs: config.timeoutMs, lookup: (clientid, signal) => list.lookup(clientid, signal) };
}
