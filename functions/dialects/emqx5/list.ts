/** EMQX 5.8's list request: the grammar of `clients` or `clients_v2`, and `fields` in 5.x names. */
import { parseClientQuery } from '../../clients/query-params.js';
import type { ListParser } from '../dialect.js';
import { attributesOf } from './client.js';
import { grammarOf } from './query.js';

export const parseEmqx5List: ListParser = (rawQueryString, _pathParameters, action) => {
  const query = parseClientQuery(rawQueryString, grammarOf(action));
  // The grammar gives 5.x field names; the domain is told the session attributes they are made from.
  const fields = query.fields;
  if (fields) query.fields = attributesOf(fields);
  return { query, shownPage: query.page, action, ...(fields ? { fields } : {}) };
};
