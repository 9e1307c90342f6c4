/** Lambda handler of the single-client reads: a client, a username's clients, a client's subscriptions. */
import { getDepsOf, getHandler } from './api/get-handler.js';
import { loadGetConfig } from './config.js';
import { observability } from './http/observability.js';

export const handler = getHandler(getDepsOf(loadGetConfig(), observability(process.env)));
