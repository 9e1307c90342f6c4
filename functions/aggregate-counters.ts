/** Lambda on the sessions table's stream: keeps the state and node counters from the session changes. */
import { loadTableConfig } from './config.js';
import { aggregateCountersDepsOf, aggregateCountersHandler } from './counters/handler.js';
import { observability } from './http/observability.js';

export const handler = aggregateCountersHandler(aggregateCountersDepsOf(loadTableConfig(), observability(process.env)));
