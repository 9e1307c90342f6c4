/**
 * What a quick benchmark run of its own needs: a DynamoDB Local started for
 * it, a document client patient enough for a loaded JVM on the same cores,
 * and its results written to bench-results/<name>.json and .md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { LOCAL_CLIENT_CONFIG, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { quietAwsSdk } from '../../infra/local/preflight.js';

export const RESULTS_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'bench-results');

export type BenchLog = (message: string) => void;

export function benchDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient(
    { endpoint, region: LOCAL_CLIENT_CONFIG.region },
    { credentials: LOCAL_CLIENT_CONFIG.credentials, maxAttempts: 10, requestHandler: { connectionTimeout: 30_000, requestTimeout: 60_000, throwOnRequestTimeout: true } },
  );
}

/** Runs one benchmark against a DynamoDB Local of its own and writes what it returns. */
export async function runStandaloneBench(
  name: string,
  run: (db: DynamoDBDocumentClient, log: BenchLog, endpoint: string) => Promise<{ json: unknown; markdown: string }>,
): Promise<void> {
  quietAwsSdk();
  const log: BenchLog = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  const local = await startDynamoDbLocal();
  const db = benchDocumentClient(local.endpoint);
  try {
    const { json, markdown } = await run(db, log, local.endpoint);
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
    await writeFile(join(RESULTS_DIR, `${name}.md`), markdown);
    process.stdout.write(markdown);
  } finally {
    db.destroy();
    await local.stop();
  }
}
