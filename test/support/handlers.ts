/**
 * The API's handlers as the Lambda entry files build them (the same
 * factories, dialects, deadline and walk budget), over a document client the
 * caller supplies (one with fault injection or capacity accounting in its
 * middleware stack) and a control channel of the caller's choice.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDepsOf, getHandler } from '../../functions/api/get-handler.js';
import { kickDepsOf, kickHandler } from '../../functions/api/kick-handler.js';
import { listDepsOf, listHandler } from '../../functions/api/list-handler.js';
import { loadGetConfig, loadKickConfig, loadListConfig, type TableConfig } from '../../functions/config.js';
import type { ControlChannel } from '../../functions/control/channel.js';
import type { InvocationContext } from '../../functions/http/handler.js';
import { observability, type Observability } from '../../functions/http/observability.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { SessionStore } from '../../functions/sessions/store.js';
import type { TableRef } from '../../functions/sessions/table.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { TEST_CURSOR_SECRET } from './dynamodb.js';

export type Handler = (event: unknown, context?: InvocationContext) => Promise<HttpResponse>;

export type ApiHandlers = { list: Handler; get: Handler; kick: Handler };

/** Refuses every command: for handlers whose tests must never reach the broker. */
export const unreachableChannel: ControlChannel = {
  send: async () => {
    throw new Error('the control channel was not expected to be used');
  },
};

/** Powertools settings of a logger that writes nothing and metrics that are never published. */
const QUIET = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

export const quietObservability = (): Observability => observability(QUIET);

/** The function environment of a table: what the configuration loaders read, with their defaults for the rest. */
function tableEnv(table: TableRef, cursorSecret: string, listBudgetMs: number | undefined): Record<string, string> {
  return {
    TABLE_NAME: table.tableName,
    SESSION_SHARDS: String(table.shards),
    CURSOR_SECRET: cursorSecret,
    ...QUIET,
    ...(listBudgetMs !== undefined ? { LIST_BUDGET_MS: String(listBudgetMs) } : {}),
  };
}

export function apiHandlers(options: {
  db: DynamoDBDocumentClient;
  table: TableRef;
  cursorSecret?: string;
  /** LIST_BUDGET_MS; the function's default when absent. */
  listBudgetMs?: number;
  channel?: ControlChannel;
  confirmTimeoutMs?: number;
}): ApiHandlers {
  const env = tableEnv(options.table, options.cursorSecret ?? TEST_CURSOR_SECRET, options.listBudgetMs);
  return {
    list: listFunction(env, options.db),
    get: getFunction(env, options.db),
    kick: kickHandler({
      ...quietObservability(),
      store: new SessionStore(options.db, options.table),
      channel: options.channel ?? unreachableChannel,
      confirmTimeoutMs: options.confirmTimeoutMs ?? 3_000,
      now: Date.now,
    }),
  };
}

/** A document client as the functions build theirs (timeouts included), with DynamoDB Local's credentials. */
const functionClient = (config: TableConfig): DynamoDBDocumentClient => createDocumentClient(config, LOCAL_CLIENT_CONFIG);

/**
 * The functions as their entry files build them, from the environment given
 * (a test table's `env`, plus what the test sets). `db` replaces the
 * function's own document client.
 */
export function listFunction(env: Record<string, string>, db?: DynamoDBDocumentClient): Handler {
  const config = loadListConfig(env);
  return listHandler(listDepsOf(config, observability(env), db ?? functionClient(config)));
}

/** LIVE_STATISTICS_FROM and the EMQX API it reads come from `env`. */
export function getFunction(env: Record<string, string>, db?: DynamoDBDocumentClient): Handler {
  const config = loadGetConfig(env);
  return getHandler(getDepsOf(config, observability(env), db ?? functionClient(config)));
}

/** KICK_VIA and its channel's settings come from `env`. */
export function kickFunction(env: Record<string, string>, db?: DynamoDBDocumentClient): Handler {
  const config = loadKickConfig(env);
  return kickHandler(kickDepsOf(config, observability(env), db ?? functionClient(config)));
}
