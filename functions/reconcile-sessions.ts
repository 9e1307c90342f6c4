/** Scheduled Lambda: makes the table agree with the EMQX cluster's own client list. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadReconcileConfig } from './config.js';
import { logger, metrics } from './http/observability.js';
import { reconcile, type ReconcileReport } from './reconcile/reconcile.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { emqxApiCredentials } from './sources/emqx/api-credentials.js';
import { EmqxClientList } from './sources/emqx/client-list.js';

const config = loadReconcileConfig();
const db = createDocumentClient(config);
const view = new EmqxClientList({
  dialect: config.emqx.dialect,
  baseUrl: config.emqx.baseUrl,
  credentials: emqxApiCredentials({
    key: config.emqx.key,
    secret: config.emqx.secret,
    secretArn: config.emqx.credentialsSecretArn,
    region: config.region,
  }),
  timeoutMs: config.emqx.timeoutMs,
  pageSize: config.pageSize,
});

/** What the table holds of each session's statistics, kept across warm invocations to spare reads. */
const statisticsMemo = new Map<string, string>();

/** Time kept back from the function's limit to finish the writes under way and report. */
const REPORT_MARGIN_MS = 15_000;
const DEFAULT_BUDGET_MS = 240_000;

export const handler = async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<ReconcileReport> => {
  const budget = (context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS) - REPORT_MARGIN_MS;
  const report = await reconcile({
    db,
    table: config,
    view,
    signal: AbortSignal.timeout(Math.max(budget, 1_000)),
    maxSessions: config.maxSessions,
    statisticsMemo,
  });
  logger.info('reconciliation', { ...report });
  for (const key of ['listed', 'ended', 'added', 'disconnected', 'statistics', 'failed'] as const) {
    metrics.addMetric(`Reconcile${key[0]!.toUpperCase()}${key.slice(1)}`, MetricUnit.Count, report[key]);
  }
  metrics.addMetric('ReconcileTruncated', MetricUnit.Count, report.truncated ? 1 : 0);
  metrics.publishStoredMetrics();
  return report;
};
