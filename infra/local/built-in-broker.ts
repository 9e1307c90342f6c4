/**
 * The broker node `npm start` runs itself: in `native` mode it writes the
 * table and takes kicks on its MQTT control topic; in `emqx5` / `emqx4` it
 * stands in for an EMQX cluster, posting webhooks to the API and serving an
 * EMQX-style REST API (on loopback) for kicks and the reconciliation.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KickPath } from '../../functions/config.js';
import { SessionWriter } from '../../functions/sessions/writer.js';
import { SourceWriter } from '../../functions/sessions/source-writer.js';
import { EmqxClientList } from '../../functions/sources/emqx/client-list.js';
import { startBroker, type LocalBroker } from './broker/broker.js';
import type { ZoneSettings } from './broker/connection-info.js';
import { tableNodeWriter } from './broker/node-writer.js';
import { startEmqxRestApi } from './emqx/rest-api.js';
import { standInBackend } from './emqx/stand-in.js';
import { EmqxWebhookWriter } from './emqx/webhook-writer.js';
import type { LocalLog } from './log.js';

export type BuiltInBrokerOptions = {
  mode: 'native' | 'emqx5' | 'emqx4';
  db: DynamoDBDocumentClient;
  table: { tableName: string; shards: number };
  node: string;
  control: { username: string; password: string; topicPrefix: string };
  /** Where clients connect. */
  host: string;
  port: number;
  /** Where the EMQX stand-in's REST API listens: only this machine calls it. */
  loopback: string;
  zone?: Partial<ZoneSettings>;
  statsIntervalMs: number;
  sweepIntervalMs: number;
  reconcileIntervalMs: number;
  pubackTimeoutMs: number;
  log: LocalLog;
  /** Each part's stop is added as it starts, so a failed start stops what did start. */
  stops: Array<() => Promise<void>>;
};

export type BuiltInBroker = {
  broker: LocalBroker;
  /** How the kick function reaches this node. */
  kick: KickPath;
  /** The EMQX stand-in's REST API and its key pair, in the emqx modes. */
  emqxApi: { url: string; key: string; secret: string } | undefined;
  /** In the emqx modes, where the node posts its webhooks; the API's stop must wait for the node's (see stack.ts). */
  deliverWebhooks(to: { url: string; token: string }): void;
};

export async function startBuiltInBroker(options: BuiltInBrokerOptions): Promise<BuiltInBroker> {
  const { mode, db, table, log } = options;
  const tableWriter = new SessionWriter(db, table);
  let brokerUrl = '';
  const webhooks =
    mode === 'native'
      ? undefined
      : new EmqxWebhookWriter({
          dialect: mode === 'emqx5' ? 'v5' : 'v4',
          table: tableWriter,
          sockname: () => brokerUrl.replace(/^mqtt:\/\//, ''),
          log,
        });
  const broker = await startBroker({
    node: options.node,
    writer: webhooks ?? tableNodeWriter(tableWriter, new SourceWriter(db, table)),
    control: options.control,
    host: options.host,
    port: options.port,
    ...(options.zone ? { zone: options.zone } : {}),
    statsIntervalMs: options.statsIntervalMs,
    sweepIntervalMs: options.sweepIntervalMs,
    reconciliation: { db, table, intervalMs: options.reconcileIntervalMs },
    log,
  });
  options.stops.push(() => broker.stop());
  brokerUrl = broker.url;
  const deliverWebhooks = (to: { url: string; token: string }) => webhooks?.deliverTo(to);
  if (mode === 'native') {
    const kick: KickPath = { via: 'mqtt', control: { brokerUrl: broker.url, ...options.control, pubackTimeoutMs: options.pubackTimeoutMs } };
    return { broker, kick, emqxApi: undefined, deliverWebhooks };
  }

  const credentials = { key: 'clients-api', secret: randomBytes(24).toString('base64url') };
  const api = await startEmqxRestApi({ backend: standInBackend(broker), credentials, host: options.loopback });
  options.stops.push(() => api.stop());
  broker.reconcileThrough(
    new EmqxClientList({
      dialect: mode === 'emqx5' ? 'v5' : 'v4',
      baseUrl: api.url,
      credentials: async () => credentials,
      timeoutMs: 5_000,
      pageSize: 1_000,
    }),
  );
  return {
    broker,
    kick: { via: mode, emqx: { baseUrl: api.url, ...credentials } },
    emqxApi: { url: api.url, ...credentials },
    deliverWebhooks,
  };
}
