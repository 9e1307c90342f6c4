/**
 * A batch of source events stored in parallel across clients (each client's
 * events in batch order), stopped when its request answers: no DynamoDB
 * request of the batch is sent after its signal is aborted. An event that can
 * never be stored is set aside, counted and logged; the rest is stored.
 * A failed write stops the batch, unless the caller takes failures one by
 * one (`onFailure`, the queue's partial batch answer).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inClientOrder } from '../sessions/client-order.js';
import { sourceEventClientId, type SourceEvent } from '../sessions/source-events.js';
import type { SourceWriter } from '../sessions/source-writer.js';
import { UnstorableEventError } from '../sessions/unstorable.js';

/** Clients stored at once: enough for 1,000 events within the deadline, few enough for one function's sockets. */
export const BATCH_CONCURRENCY = 24;

export const UNSTORABLE_METRIC = 'IngestUnstorable';

const batchSignal = new AsyncLocalStorage<AbortSignal>();
const GUARD_NAME = 'stopIngestBatchOnAbort';

/**
 * Refuses every request (each attempt, retries included) sent on behalf of a
 * batch whose signal is aborted; requests of anything else pass.
 */
export function stopWritesOnAbort(db: DynamoDBDocumentClient): DynamoDBDocumentClient {
  // A document client shares its stack with the client it wraps: the guard goes in once.
  if (db.middlewareStack.identify().some((entry) => entry.startsWith(`${GUARD_NAME} `))) return db;
  db.middlewareStack.add(
    (next) => async (args) => {
      batchSignal.getStore()?.throwIfAborted();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: GUARD_NAME },
  );
  return db;
}

export type BatchDeps = { writer: SourceWriter; logger: Logger; metrics?: Metrics };

/**
 * Given, a failed write is handed to it instead of stopping the batch, and so
 * is every later event of the same client, left unwritten: what is sent
 * again comes in the client's order.
 */
export type FailureSink = (event: SourceEvent, error: unknown) => void;

/** Stores `events`; resolves with the events that can never be stored. */
export async function applyBatch(deps: BatchDeps, events: readonly SourceEvent[], signal?: AbortSignal, onFailure?: FailureSink): Promise<UnstorableEventError[]> {
  const unstorable: UnstorableEventError[] = [];
  const failedClients = new Map<string, unknown>();
  const store = async (event: SourceEvent) => {
    const clientid = sourceEventClientId(event);
    if (failedClients.has(clientid)) return onFailure?.(event, failedClients.get(clientid));
    try {
      await deps.writer.apply(event);
    } catch (error) {
      if (error instanceof UnstorableEventError) {
        unstorable.push(error);
        deps.logger.warn('event cannot be stored: dropped', { clientid: error.clientid, event: event.type, reason: error.reason });
        return;
      }
      if (!onFailure) throw error;
      failedClients.set(clientid, error);
      onFailure(event, error);
    }
  };
  const run = () => inClientOrder(events, sourceEventClientId, store, { concurrency: BATCH_CONCURRENCY, ...(signal ? { signal } : {}) });
  await (signal ? batchSignal.run(signal, run) : run());
  if (unstorable.length > 0) deps.metrics?.addMetric(UNSTORABLE_METRIC, MetricUnit.Count, unstorable.length);
  return unstorable;
}
