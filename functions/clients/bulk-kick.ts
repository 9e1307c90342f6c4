/**
 * POST …/clients/kickout/bulk: up to 100 clientids kicked at once. The
 * kicks go out in parallel, so the confirmations are waited for together.
 */
import * as z from '../validation/zod.js';
import type { BulkKickResult, KickResult } from '../dialects/dialect.js';
import { ApiError, ClientNotFoundError, InvalidParameterError } from '../http/errors.js';
import { parseClientId } from './client-id.js';
import { kickClient, type KickContext } from './kick-client.js';

export const MAX_BULK_KICK = 100;

const clientIds = z.array(z.string()).check(z.minLength(1), z.maxLength(MAX_BULK_KICK));

/** The request body: a JSON array of 1 to 100 clientids (repeats kicked once). */
export function parseClientIdList(body: string | undefined): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new InvalidParameterError('body', `a JSON array of 1 to ${MAX_BULK_KICK} clientids`);
  }
  const result = clientIds.safeParse(parsed);
  if (!result.success) throw new InvalidParameterError('body', `a JSON array of 1 to ${MAX_BULK_KICK} clientids`);
  return [...new Set(result.data.map((id) => parseClientId(id)))];
}

/** The outcome of one kick as a value: not found, or a broker out of reach, is an answer here, not a failure. */
export async function kickOne(context: KickContext, clientid: string): Promise<KickResult | 'unavailable'> {
  try {
    const outcome = await kickClient(context, clientid);
    return outcome.status === 200 ? 'kicked' : 'pending';
  } catch (error) {
    if (error instanceof ClientNotFoundError) return 'not-found';
    if (error instanceof ApiError && error.status === 503) return 'unavailable';
    throw error;
  }
}

export async function kickClients(context: KickContext, clientids: readonly string[]): Promise<BulkKickResult[]> {
  return Promise.all(clientids.map(async (clientid) => ({ clientid, outcome: await kickOne(context, clientid) })));
}
