/** The native surface's list parameters: the native grammar as it stands. */
import { parseClientQuery } from '../clients/query-params.js';
import type { ListParser } from './dialect.js';

export const parseNativeList: ListParser = (rawQueryString, _pathParameters, action) => {
  const query = parseClientQuery(rawQueryString);
  return { query, shownPage: query.page, action, ...(query.fields ? { fields: query.fields } : {}) };
};
