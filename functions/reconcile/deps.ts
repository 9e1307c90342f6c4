/** The reconciliation's deps from its configuration: the table, and the EMQX cluster's REST API as the broker's view. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReconcileConfig } from '../config.js';
import type { Observability } from '../http/observability.js';
import type { ReconcileDeps } from './handler.js';
import { createDocumentClient } from '../sessions/dynamodb.js';
import { emqxApiCredentials } from '../sources/emqx/api-credentials.js';
import { EmqxClientList } from '../sources/emqx/client-list.js';

/** `db` defaults to a client of the configured endpoint. */
export function reconcileDepsOf(config: ReconcileConfig, observed: Observability, db: DynamoDBDocumentClient = createDocumentClient(config)): ReconcileDeps {
  const { emqx } = config;
  const view = new EmqxClientList({
    dialect: emqx.dialect,
    baseUrl: emqx.baseUrl,
    credentials: emqxApiCredentials(emqx),
    timeoutMs: emqx.timeoutMs,
    pageSize: config.pageSize,
  });
  return { ...observed, db, table: config, view, maxSessions: config.maxSessions, driftEveryMs: config.driftMinutes * 60_000 };
}
