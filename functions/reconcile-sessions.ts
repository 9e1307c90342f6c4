/** Scheduled Lambda: makes the table agree with the EMQX cluster's own client list. */
import { loadReconcileConfig } from './config.js';
import { observability } from './http/observability.js';
import { reconcileHandler } from './reconcile/handler.js';
import { reconcileDepsOf } from './reconcile/deps.js';

export const handler = reconcileHandler(reconcileDepsOf(loadReconcileConfig(), observability(process.env)));
