/**
 * The scheduled reconciliation: makes the table agree with a broker's own
 * client list, within the invocation's time. A full run (reconcile.ts) walks
 * the table to find what lost events left behind; it costs about 33 read
 * units per 1,000 sessions, so it runs every `driftEveryMs`, and the runs
 * between only keep the listed fields current (statistics-run.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../sessions/table.js';
import type { BrokerView } from '../sources/broker-view.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { StatisticsMemo } from './statistics-memo.js';
import { refreshStatistics } from './statistics-run.js';

export type ReconcileDeps = {
  db: DynamoDBDocumentClient;
  table: TableRef;
  view: BrokerView;
  maxSessions: number;
  /** Time between full runs, which also look for lost events; the runs between keep the listed fields current only. 0: every run is full. */
  driftEveryMs: number;
  logger: Logger;
  metrics: Metrics;
};

/** Time kept back from the function's limit to finish the writes under way and report. */
const REPORT_MARGIN_MS = 15_000;
const DEFAULT_BUDGET_MS = 240_000;
/**
 * How much earlier than its period a scheduled invocation may come: a run
 * due for a full check a few seconds early still makes it, or a schedule as
 * long as the drift interval would check every second run only.
 */
const SCHEDULE_JITTER_MS = 60_000;
const REPORTED = ['listed', 'shards', 'ended', 'added', 'disconnected', 'statistics', 'corrected', 'failed'] as const;

export function reconcileHandler(deps: ReconcileDeps) {
  const { logger, metrics } = deps;
  /** What the table holds of each session's tracked statistics, kept across warm invocations to spare reads. */
  const statisticsMemo = new StatisticsMemo();
  /**
   * When this execution environment last started a full run that checked
   * every shard. A fresh one starts with a full run, and runs stay full while
   * they leave shards for the next; several environments only run full more
   * often.
   */
  let lastFullAt: number | undefined;
  return async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<ReconcileReport> => {
    const budget = (context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS) - REPORT_MARGIN_MS;
    const startedAt = Date.now();
    const full = lastFullAt === undefined || startedAt - lastFullAt >= deps.driftEveryMs - SCHEDULE_JITTER_MS;
    const run = full ? reconcile : refreshStatistics;
    const report = await run({
      db: deps.db,
      table: deps.table,
      view: deps.view,
      signal: AbortSignal.timeout(Math.max(budget, 1_000)),
      budgetMs: Math.max(budget, 1_000),
      maxSessions: deps.maxSessions,
      statisticsMemo,
    });
    if (full && !report.truncated) lastFullAt = startedAt;
    logger.info('reconciliation', { ...report, full });
    for (const key of REPORTED) metrics.addMetric(`Reconcile${key[0]!.toUpperCase()}${key.slice(1)}`, MetricUnit.Count, report[key]);
    metrics.addMetric('ReconcileTruncated', MetricUnit.Count, report.truncated ? 1 : 0);
    metrics.publishStoredMetrics();
    return report;
  };
}
