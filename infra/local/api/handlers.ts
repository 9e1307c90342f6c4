/**
 * The API's handlers built in this process by the factories the Lambda entry
 * files use, from configurations loaded out of an explicit environment record:
 * each from its own variables as its contract builds them; nothing is read from or written to `process.env`, so each local stack has
 * handlers of its own.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { getDepsOf, getHandler } from '../../../functions/api/get-handler.js';
import { kickDepsOf, kickHandler } from '../../../functions/api/kick-handler.js';
import { listDepsOf, listHandler } from '../../../functions/api/list-handler.js';
import { appAuthorizer, authorizerDepsOf } from '../../../functions/apps/authorizer.js';
import {
  loadAppsConfig,
  loadAwsIotIngestConfig,
  loadEmqxIngestConfig,
  loadGetConfig,
  loadKickConfig,
  loadListConfig,
  loadTableConfig,
  type Environment,
} from '../../../functions/config.js';
import { observability } from '../../../functions/http/observability.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from '../../../functions/ingest/aws-iot.js';
import { emqxIngestDepsOf } from '../../../functions/ingest/emqx.js';
import { ingestRoute } from '../../../functions/ingest/handlers.js';
import { createDocumentClient } from '../../../functions/sessions/dynamodb.js';
import type { ApiHandlers, LambdaHttpHandler } from './server.js';

export type LocalHandlers = { handlers: ApiHandlers; close(): void };

/** Each function's own variables, built by its contract's environment builder (functions/config/). */
export type FunctionEnvironments = Record<keyof ApiHandlers, Environment>;

/** The key pair of the record, which in Lambda the SDK would take from the function's own environment. */
function credentialsOf(env: Environment): DynamoDBClientConfig {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {};
}

/** `runtime`: what Lambda's runtime gives every function (region, credentials, Powertools settings). */
export function buildHandlers(environments: FunctionEnvironments, runtime: Environment): LocalHandlers {
  const env = (name: keyof ApiHandlers): Environment => ({ ...runtime, ...environments[name] });
  // One document client for every handler: they all reach the same DynamoDB.
  const db = createDocumentClient(loadTableConfig(env('get')), credentialsOf(runtime));
  // Each function has its own logger and metrics, as in Lambda.
  const observed = () => observability(runtime);
  const handlers: ApiHandlers = {
    list: listHandler(listDepsOf(loadListConfig(env('list')), observed(), db)),
    get: getHandler(getDepsOf(loadGetConfig(env('get')), observed(), db)),
    kick: kickHandler(kickDepsOf(loadKickConfig(env('kick')), observed(), db)),
    ingestEmqx: ingestRoute(emqxIngestDepsOf(loadEmqxIngestConfig(env('ingestEmqx')), observed(), db)),
    ingestAwsIot: awsIotIngestHandler(awsIotIngestDepsOf(loadAwsIotIngestConfig(env('ingestAwsIot')), observed(), db)) as LambdaHttpHandler,
    authorizeApp: appAuthorizer(authorizerDepsOf(loadAppsConfig(env('authorizeApp')), observed(), db)),
  };
  return { handlers, close: () => db.destroy() };
}
