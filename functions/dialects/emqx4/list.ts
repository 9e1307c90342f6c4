/** EMQX 4.4's list request: its grammar, the node of `/nodes/{node}/clients`, and the page as given. */
import { parseClientQuery } from '../../clients/query-params.js';
import type { ListParser } from '../dialect.js';
import { EMQX4_GRAMMAR, shownPage } from './query.js';

export const parseEmqx4List: ListParser = (rawQueryString, pathParameters, action) => {
  const query = parseClientQuery(rawQueryString, EMQX4_GRAMMAR);
  if (pathParameters.node !== undefined) query.filter.node = pathParameters.node;
  return { query, shownPage: shownPage(rawQueryString, query.page), action, ...(query.fields ? { fields: query.fields } : {}) };
};
