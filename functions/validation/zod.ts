/**
 * `zod/mini` with the English messages full `zod` gives. Handlers validate with
 * zod/mini so that a bundle holds only the validators it uses (full `zod`
 * keeps its whole namespace and every locale); the messages stay word for word
 * because the English locale is the one full `zod` loads too.
 *
 * Import it as a namespace (`import * as z from '…/validation/zod.js'`) and
 * use its members only: a namespace object passed around as a value would
 * keep every export of zod/mini, every locale with it, in the bundle.
 */
import { config, NEVER, type core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/**
 * Rejects a transform's input with `message`: what `ctx.addIssue` does in a
 * full-zod transform (a zod/mini transform gets the bare parse payload).
 */
export function reject(payload: core.ParsePayload, message: string): never {
  payload.issues.push({ code: 'custom', message, input: payload.value });
  return NEVER;
}
