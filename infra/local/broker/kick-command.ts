/** The kick command as it arrives on the control topic, checked before anything acts on it. */
import { z } from 'zod';
import { COMMAND_VERSION, type KickCommand } from '../../../functions/control/channel.js';

const kickCommandSchema = z.object({
  version: z.literal(COMMAND_VERSION),
  type: z.literal('kick'),
  id: z.string().min(1).max(256),
  clientid: z.string().min(1),
  node: z.string().min(1),
  conn_key: z.string().min(1),
  issued_at: z.iso.datetime({ offset: true }),
}) satisfies z.ZodType<KickCommand>;

export type ParsedCommand = { ok: true; command: KickCommand } | { ok: false; problem: string };

export function parseKickCommand(payload: Buffer | string): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = kickCommandSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, command: parsed.data };
}
