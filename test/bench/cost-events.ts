/**
 * The four events a reconnect is made of, driven through the real ingest
 * handlers (EMQX 5 webhook bodies over `POST /ingest/emqx`, AWS IoT lifecycle
 * events as the topic rule invokes the function) against DynamoDB Local,
 * each with what it consumed (capacity meter), the items it changed (priced
 * by write-cost-model.ts) and what the handler wrote at the default level.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAwsIotIngestConfig, loadEmqxIngestConfig } from '../../functions/config.js';
import { observability } from '../../functions/http/observability.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../functions/ingest/aws-iot.js';
import { emqxIngestDepsOf } from '../../functions/ingest/emqx.js';
import { ingestRoute } from '../../functions/ingest/handlers.js';
import { counterKey } from '../../functions/sessions/item.js';
import { shardOf } from '../../functions/sessions/keys.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { topicsKey } from '../../functions/sessions/topics.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { ingestPost } from '../support/ingest-requests.js';
import { CapacityMeter, totalUnits } from './capacity-meter.js';
import type { MeasuredEvent } from './cost-model.js';
import { awsConnected, awsDisconnected, emqx5Connected, emqx5Disconnected, type AwsClient, type Body, type Emqx5Client } from './ingest-bodies.js';
import { captureOutput } from './output-capture.js';
import { indexEntry, itemSize, modeledWriteUnits, type Item, type ItemChange } from './write-cost-model.js';
import { SESSION_INDEXES } from '../../functions/sessions/table.js';

export const EVENT_KINDS = ['clean connect', 'clean disconnect', 'persistent disconnect', 'reconnect'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Billed write units of one event by where they land: the session's own items, its shard's counter, each index. */
export type WritePlaces = { sessionUnits: number; counterUnits: number; indexUnits: Record<string, number> };

export type MeasuredKind = MeasuredEvent & WritePlaces & { meteredUnits: { read: number; write: number }; requests: number; byCommand: Record<string, number>; logLines: number };

const TOKEN = 'bench-cost-ingest-token-0123456789';
/** The level and metrics a deployment runs with unless told otherwise. */
const DEFAULT_OBSERVABILITY = { POWERTOOLS_LOG_LEVEL: 'INFO' };
const EMQX_NODE = 'emqx@10.0.9.9';

type Invoke = (body: Body) => Promise<void>;

function handlerEnv(endpoint: string, table: TableRef, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TABLE_NAME: table.tableName,
    SESSION_SHARDS: String(table.shards),
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: LOCAL_CLIENT_CONFIG.region,
    INGEST_TOKEN: TOKEN,
    ...extra,
  };
}

/** The real handlers, each on the metered client, each with its own default-level observability. */
export function ingestFunctions(db: DynamoDBDocumentClient, endpoint: string, table: TableRef) {
  // A deadline for DynamoDB Local on shared cores, not for AWS: its length does not change what is written.
  const emqx = ingestRoute({ ...emqxIngestDepsOf(loadEmqxIngestConfig(handlerEnv(endpoint, table)), observability(DEFAULT_OBSERVABILITY), db), deadlineMs: 120_000 });
  const aws = (persistent: boolean) =>
    awsIotIngestHandler(
      awsIotIngestDepsOf(loadAwsIotIngestConfig(handlerEnv(endpoint, table, { AWS_IOT_PERSISTENT_SESSIONS: String(persistent) })), observability(DEFAULT_OBSERVABILITY), db),
    );
  const post = async (body: Body | Body[]) => {
    const response = await emqx(ingestPost(body, `Bearer ${TOKEN}`));
    if (response.statusCode !== 204) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
  };
  const awsClean = aws(false);
  const awsPersistent = aws(true);
  return {
    emqx: post,
    awsClean: async (body: Body) => void (await awsClean(body)),
    awsPersistent: async (body: Body) => void (await awsPersistent(body)),
  };
}

type Scenario = { prepare: Body[]; measured: Body; via: Invoke; clientid: string };

export async function measureKinds(db: DynamoDBDocumentClient, sideDb: DynamoDBDocumentClient, endpoint: string, table: TableRef, meter: CapacityMeter) {
  const fns = ingestFunctions(db, endpoint, table);
  const get = async (clientid: string) => (await sideDb.send(new GetCommand({ TableName: table.tableName, Key: { clientid }, ConsistentRead: true }))).Item;
  const snapshot = async (clientid: string) => ({
    session: await get(clientid),
    topics: await get(topicsKey(clientid)),
    counter: await get(counterKey(shardOf(clientid, table.shards))),
  });
  const t0 = Date.now() - 60_000;
  let n = 0;
  const emqxClient = (persistent: boolean): Emqx5Client => ({
    clientid: `cost-emqx-${++n}`,
    node: EMQX_NODE,
    connected_at: t0 + n,
    clean_start: !persistent,
    expiry_interval: persistent ? 7_200 : 0,
  });
  const awsClient = (): AwsClient => ({ clientId: `cost-aws-${++n}`, sessionIdentifier: `s-${n}`, versionNumber: 1, timestamp: t0 + n });

  const scenarios: Record<'emqx' | 'aws', Record<EventKind, () => Scenario>> = {
    emqx: {
      'clean connect': () => {
        const c = emqxClient(false);
        return { prepare: [], measured: emqx5Connected(c), via: fns.emqx, clientid: c.clientid };
      },
      'clean disconnect': () => {
        const c = emqxClient(false);
        return { prepare: [emqx5Connected(c)], measured: emqx5Disconnected(c, c.connected_at + 1_000), via: fns.emqx, clientid: c.clientid };
      },
      'persistent disconnect': () => {
        const c = emqxClient(true);
        return { prepare: [emqx5Connected(c)], measured: emqx5Disconnected(c, c.connected_at + 1_000), via: fns.emqx, clientid: c.clientid };
      },
      reconnect: () => {
        const c = emqxClient(true);
        const again = { ...c, connected_at: c.connected_at + 5_000, clean_start: false };
        return { prepare: [emqx5Connected(c), emqx5Disconnected(c, c.connected_at + 1_000)], measured: emqx5Connected(again), via: fns.emqx, clientid: c.clientid };
      },
    },
    aws: {
      'clean connect': () => {
        const c = awsClient();
        return { prepare: [], measured: awsConnected(c), via: fns.awsClean, clientid: c.clientId };
      },
      'clean disconnect': () => {
        const c = awsClient();
        return { prepare: [awsConnected(c)], measured: awsDisconnected(c, c.timestamp + 1_000), via: fns.awsClean, clientid: c.clientId };
      },
      'persistent disconnect': () => {
        const c = awsClient();
        return { prepare: [awsConnected(c)], measured: awsDisconnected(c, c.timestamp + 1_000), via: fns.awsPersistent, clientid: c.clientId };
      },
      reconnect: () => {
        const c = awsClient();
        const again = { ...c, versionNumber: 2, timestamp: c.timestamp + 5_000 };
        return { prepare: [awsConnected(c), awsDisconnected(c, c.timestamp + 1_000)], measured: awsConnected(again), via: fns.awsPersistent, clientid: c.clientId };
      },
    },
  };

  const measureOne = async (source: 'emqx' | 'aws', kind: EventKind): Promise<MeasuredKind & { after: Item | undefined }> => {
    const s = scenarios[source][kind]();
    // Setup through the same handler, captured so that it does not show.
    await captureOutput(async () => {
      for (const body of s.prepare) await s.via(body);
    });
    const before = await snapshot(s.clientid);
    const { result, output } = await captureOutput(() => meter.measure(() => s.via(s.measured)));
    const after = await snapshot(s.clientid);
    const { measurement } = result;
    // What the source sends: AWS IoT's rules add the event's topic (`SELECT *, topic() AS topic`).
    const sent = source === 'aws' ? { ...s.measured, topic: `$aws/events/presence/${String(s.measured.eventType)}/${s.clientid}` } : s.measured;
    const transactional = (measurement.byCommand.TransactWriteItemsCommand ?? 0) > 0;
    const changes: ItemChange[] = [];
    for (const key of ['session', 'topics', 'counter'] as const) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes.push({ before: before[key], after: after[key], transactional });
    }
    const modeled = modeledWriteUnits(changes);
    const counterChanged = JSON.stringify(before.counter) !== JSON.stringify(after.counter);
    const counterUnits = counterChanged ? modeledWriteUnits([{ before: before.counter, after: after.counter, transactional }]).table : 0;
    return {
      kind,
      source,
      writeUnits: modeled.table + Object.values(modeled.indexes).reduce((a, b) => a + b, 0),
      readUnits: totalUnits(measurement).read,
      waves: measurement.waves,
      logBytes: output.bytes,
      logLines: output.lines.length,
      streamRecords: changes.length - (counterChanged ? 1 : 0),
      writesCounters: counterChanged,
      bodyBytes: Buffer.byteLength(JSON.stringify(sent)),
      sessionUnits: modeled.table - counterUnits,
      counterUnits,
      indexUnits: modeled.indexes,
      meteredUnits: totalUnits(measurement),
      requests: measurement.requests,
      byCommand: measurement.byCommand,
      after: after.session,
    };
  };

  // Warm the handlers, the SDK and the JVM before anything is measured.
  for (const source of ['emqx', 'aws'] as const) for (const kind of EVENT_KINDS) await measureOne(source, kind);

  const events: MeasuredKind[] = [];
  let storageBytesPerSession = 0;
  for (const source of ['emqx', 'aws'] as const) {
    for (const kind of EVENT_KINDS) {
      const { after, ...event } = await measureOne(source, kind);
      events.push(event);
      if (source === 'emqx' && kind === 'clean connect' && after) storageBytesPerSession = storedBytes(after);
    }
  }
  return { events, storageBytesPerSession, batch: await measureBatch(fns.emqx, meter, emqxClient) };
}

/** DynamoDB bills each item and each index entry at its size plus 100 bytes. */
function storedBytes(item: Item): number {
  let bytes = itemSize(item) + 100;
  for (const index of SESSION_INDEXES) {
    const entry = indexEntry(index, item);
    if (entry) bytes += itemSize(entry) + 100;
  }
  return bytes;
}

/** One request of `size` connects of fresh clients: round trips and log bytes of the whole request. */
async function measureBatch(post: (body: Body[]) => Promise<void>, meter: CapacityMeter, client: (persistent: boolean) => Emqx5Client) {
  const size = 100;
  const bodies = Array.from({ length: size }, () => emqx5Connected(client(false)));
  const { result, output } = await captureOutput(() => meter.measure(() => post(bodies)));
  return { size, waves: result.measurement.waves, requests: result.measurement.requests, logBytes: output.bytes, logLines: output.lines.length };
}
