/** GET /clients/{clientid}. */
import { isVisible } from '../sessions/model.js';
import type { SessionStore } from '../sessions/store.js';
import { toClient, type ClientObject } from './render.js';

/** EMQX 4 answers an unknown client with an empty list, not a 404. */
export async function getClient(store: SessionStore, clientid: string, now: number): Promise<{ code: 0; data: ClientObject[] }> {
  const record = await store.get(clientid, { consistent: false });
  return { code: 0, data: isVisible(record, now) ? [toClient(record)] : [] };
}
