/** Scheduled Lambda: ends offline sessions whose expiry has passed, keeping the counters exact. */
import { logger } from './http/observability.js';
import { loadTableConfig } from './config.js';
import { createDocumentClient } from './sessions/dynamodb.js';
import { SessionWriter } from './sessions/writer.js';

const config = loadTableConfig();
const writer = new SessionWriter(createDocumentClient(config), config);

export const handler = async (): Promise<{ expired: number }> => {
  const expired = await writer.expireSessions(Date.now());
  logger.info('expiry sweep', { expired });
  return { expired };
};
