/** The scheduled expiry sweep: ends offline sessions whose expiry has passed, keeping the counters exact. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableConfig } from '../config.js';
import { createDocumentClient } from './dynamodb.js';
import { SessionWriter } from './writer.js';

export type ExpirySweepDeps = { writer: Pick<SessionWriter, 'expireSessions'>; logger: Logger };

export function expirySweepHandler(deps: ExpirySweepDeps): () => Promise<{ expired: number }> {
  return async () => {
    const expired = await deps.writer.expireSessions(Date.now());
    deps.logger.info('expiry sweep', { expired });
    return { expired };
  };
}

/** `db` defaults to a client of the configured endpoint. */
export function expirySweepDepsOf(config: TableConfig, observed: { logger: Logger }, db: DynamoDBDocumentClient = createDocumentClient(config)): ExpirySweepDeps {
  return { writer: new SessionWriter(db, config), logger: observed.logger };
}
