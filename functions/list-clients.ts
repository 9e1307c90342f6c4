/** Lambda handler of the list routes: clients (by page or cursor), broker nodes and the OpenAPI document, on every surface. */
import { listDepsOf, listHandler } from './api/list-handler.js';
import { loadListConfig } from './config.js';
import { observability } from './http/observability.js';

export const handler = listHandler(listDepsOf(loadListConfig(), observability(process.env)));
