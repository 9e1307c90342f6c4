/**
 * POST …/clients/kickout/bulk: up to 100 clientids kicked at once. The
 * kicks go out in parallel, so the confirmations are waited for together.
 */
import * as z from '../validation/zod.js';
import { invalidParameter, isFailure } from '../failures.js';
import { parseClientId } from './client-id.js';
import { kickClient, type KickContext, type KickResult } from './kick-client.js';

export const MAX_BULK_KICK = 100;

export type BulkKickResult = { clientid: string; outcome: KickResult | 'unavailable' };

const clientIds = z.array(z.string()).check(z.minLength(1), z.maxLength(MAX_BULK_KICK));

const invalidBody = () => invalidParameter('body', `a JSON array of 1 to ${MAX_BULK_KICK} clientids`);

/** The request body: a JSON array of 1 to 100 clientids (repeats kicked once). */
export function parseClientIdList(body: string | undefined): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw invalidBody();
  }
  const result = clientIds.safeParse(parsed);
  if (!result.success) throw invalidBody();
  return [...new Set(result.data.map((id) => parseClientId(id)))];
}

/** The outcome of one kick as a value: not found, or a broker out of reach, is an answer here, not a failure. */
export async function kickOne(context: KickContext, clientid: string): Promise<KickResult | 'unavailable'> {
  try {
    const outcome = await kickClient(context, clientid);
    return outcome.status === 200 ? 'kicked' : 'pending';
  } catch (error) {
    if (isFailure(error, 'client-not-found')) return 'not-found';
    if (isFailure(error, 'broker-unavailable') || isFailure(error, 'deadline-exceeded')) return 'unavailable';
    throw error;
  }
}

export async function kickClients(context: KickContext, clientids: readonly string[]): Promise<BulkKickResult[]> {
  return Promise.all(clientids.map(async (clientid) => ({ clientid, outcome: await kickOne(context, clientid) })));
}
