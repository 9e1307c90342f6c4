/** Scheduled Lambda: ends offline sessions whose expiry has passed, keeping the counters exact. */
import { loadTableConfig } from './config.js';
import { observability } from './http/observability.js';
import { expirySweepDepsOf, expirySweepHandler } from './sessions/expiry-sweep.js';

export const handler = expirySweepHandler(expirySweepDepsOf(loadTableConfig(), observability(process.env)));
