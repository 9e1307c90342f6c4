/** Walks every page of GET /clients, by `_page` or by `_cursor`. */
import type { ListMeta } from '../../functions/clients/list-clients.js';
import type { ListResponseBody as ListBody } from './api-calls.js';

export type ListCall = (rawQueryString: string) => Promise<ListBody>;
export type Page = { clientids: string[]; meta: ListMeta };

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('&');

/** Bounded, so that a paging bug that never ends fails instead of hanging. */
function pageBound(limit: number, expectedTotal: number): number {
  return Math.ceil(expectedTotal / limit) + 2;
}

export async function pagesByNumber(list: ListCall, query: string, limit: number, expectedTotal: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let page = 1; page <= pageBound(limit, expectedTotal); page++) {
    const body = await list(join(query, `_limit=${limit}`, `_page=${page}`));
    pages.push({ clientids: body.data.map((c) => c.clientid), meta: body.meta });
    if (!body.meta.hasnext) break;
  }
  return pages;
}

export async function pagesByCursor(list: ListCall, query: string, limit: number, expectedTotal: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let n = 1; n <= pageBound(limit, expectedTotal); n++) {
    const paging = cursor === undefined ? '' : `_cursor=${encodeURIComponent(cursor)}`;
    const body = await list(join(query, `_limit=${limit}`, paging));
    pages.push({ clientids: body.data.map((c) => c.clientid), meta: body.meta });
    cursor = body.meta.cursor;
    if (cursor === undefined) break;
  }
  return pages;
}
