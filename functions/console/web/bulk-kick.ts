/**
 * Kicks several clients in one `POST /api/v5/clients/kickout/bulk`, then
 * shows what became of each: EMQX's answer is one 204 for all of them, so
 * each is looked up again.
 */
import { ApiFailure, call, clientPath, type ClientRecord } from './api.js';
import { confirmAction } from './confirm.js';
import { announce, h, replaceChildren } from './dom.js';

async function outcomeOf(clientid: string): Promise<string> {
  try {
    const { body } = await call<ClientRecord>('GET', clientPath(clientid));
    return body.connected ? 'kick sent; still connected (the broker has not confirmed yet, or it reconnected)' : 'disconnected; session kept';
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return 'kicked: session gone';
    return `unknown: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** True once the kick was sent. */
export async function bulkKick(ids: string[], root: HTMLElement, failed: (error: unknown) => void): Promise<boolean> {
  if (ids.length === 0) return false;
  if (!(await confirmAction(`Kick ${ids.length} client${ids.length === 1 ? '' : 's'}?`, ids, 'Kick'))) return false;
  const outcomes = root.querySelector<HTMLElement>('#outcomes')!;
  try {
    await call('POST', '/api/v5/clients/kickout/bulk', { body: ids });
  } catch (error) {
    failed(error);
    return false;
  }
  const results = await Promise.all(ids.map(async (id) => [id, await outcomeOf(id)] as const));
  replaceChildren(
    outcomes,
    h('h2', {}, 'Bulk kick'),
    h('ul', { class: 'outcome-list' }, ...results.map(([id, outcome]) => h('li', {}, h('code', {}, id), ': ', outcome))),
  );
  announce(`Kick sent to ${ids.length} client${ids.length === 1 ? '' : 's'}.`);
  return true;
}
