/** The scheduled reconciliation: makes the table agree with a broker's own client list, within the invocation's time. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../sessions/table.js';
import type { BrokerView } from '../sources/broker-view.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { StatisticsMemo } from './statistics-memo.js';

export type ReconcileDeps = {
  db: DynamoDBDocumentClient;
  table: TableRef;
  view: BrokerView;
  maxSessions: number;
  logger: Logger;
  metrics: Metrics;
};

/** Time kept back from the function's limit to finish the writes under way and report. */
const REPORT_MARGIN_MS = 15_000;
const DEFAULT_BUDGET_MS = 240_000;
const REPORTED = ['listed', 'shards', 'ended', 'added', 'disconnected', 'statistics', 'corrected', 'failed'] as const;

export function reconcileHandler(deps: ReconcileDeps) {
  const { logger, metrics } = deps;
  /** What the table holds of each session's tracked statistics, kept across warm invocations to spare reads. */
  const statisticsMemo = new StatisticsMemo();
  return async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<ReconcileReport> => {
    const budget = (context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS) - REPORT_MARGIN_MS;
    const report = await reconcile({
      db: deps.db,
      table: deps.table,
      view: deps.view,
      signal: AbortSignal.timeout(Math.max(budget, 1_000)),
      budgetMs: Math.max(budget, 1_000),
      maxSessions: deps.maxSessions,
      statisticsMemo,
    });
    logger.info('reconciliation', { ...report });
    for (const key of REPORTED) metrics.addMetric(`Reconcile${key[0]!.toUpperCase()}${key.slice(1)}`, MetricUnit.Count, report[key]);
    metrics.addMetric('ReconcileTruncated', MetricUnit.Count, report.truncated ? 1 : 0);
    metrics.publishStoredMetrics();
    return report;
  };
}
