/**
 * How long one ingest request of 1,000 EMQX 5 events takes to store, one
 * event after another (as before) and as the ingest route stores a batch
 * (clients in parallel, each client's events in order), on DynamoDB Local.
 *
 * `npx tsx test/bench/ingest-batch.ts`: starts its own DynamoDB Local, writes
 * bench-results/ingest-batch.json and .md.
 */
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { applyBatch, BATCH_CONCURRENCY } from '../../functions/ingest/apply-batch.js';
import type { SourceEvent } from '../../functions/sessions/source-events.js';
import { SourceWriter } from '../../functions/sessions/source-writer.js';
import { createTableInput, type TableRef } from '../../functions/sessions/table.js';
import { parseEmqxWebhook } from '../../functions/sources/emqx/webhook.js';
import { emqx5Connected, emqx5Subscription, type Body, type Emqx5Client } from './ingest-bodies.js';
import { runStandaloneBench } from './standalone.js';

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

/** 1,000 events: a connect each of 1,000 clients, or a connect and three subscribes each of 250. */
const SCENARIOS: Array<{ name: string; bodies: () => Body[] }> = [
  {
    name: '1,000 connects (1,000 clients)',
    bodies: () => Array.from({ length: 1000 }, (_, i) => emqx5Connected(client(`a${i}`))),
  },
  {
    name: '250 clients × (connect + 3 subscribes)',
    bodies: () =>
      Array.from({ length: 250 }, (_, i) => client(`b${i}`)).flatMap((c) => [
        emqx5Connected(c),
        ...[1, 2, 3].map((k) => emqx5Subscription('subscribed', c, `dev/${c.clientid}/${k}`, T0 + k)),
      ]),
  },
];

const client = (clientid: string): Emqx5Client => ({ clientid, node: 'emqx@10.0.0.1', connected_at: T0, clean_start: true, expiry_interval: 0 });

async function withTable<T>(db: DynamoDBDocumentClient, work: (table: TableRef) => Promise<T>): Promise<T> {
  const table: TableRef = { tableName: `bench-batch-${Math.random().toString(36).slice(2)}`, shards: 8 };
  await db.send(new CreateTableCommand(createTableInput(table.tableName)));
  try {
    return await work(table);
  } finally {
    await db.send(new DeleteTableCommand({ TableName: table.tableName }));
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}

await runStandaloneBench('ingest-batch', async (db, log) => {
  const logger = new Logger({ logLevel: 'SILENT' });
  const rows: Array<{ scenario: string; sequentialMs: number; batchMs: number }> = [];
  for (const scenario of SCENARIOS) {
    const events: SourceEvent[] = scenario.bodies().flatMap((body) => parseEmqxWebhook(body, T0));
    const sequentialMs = await withTable(db, (table) =>
      timed(async () => {
        const writer = new SourceWriter(db, table);
        for (const event of events) await writer.apply(event);
      }),
    );
    const batchMs = await withTable(db, (table) => timed(() => applyBatch({ writer: new SourceWriter(db, table), logger }, events)));
    log(`${scenario.name}: one by one ${sequentialMs} ms, batch ${batchMs} ms`);
    rows.push({ scenario: scenario.name, sequentialMs, batchMs });
  }
  const markdown = [
    `# One ingest request of 1,000 events (DynamoDB Local, ${BATCH_CONCURRENCY} clients at once)`,
    '',
    '| events | one by one | as a batch (clients in parallel) |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.sequentialMs} ms | ${r.batchMs} ms |`),
    '',
  ].join('\n');
  return { json: { concurrency: BATCH_CONCURRENCY, rows }, markdown };
});
