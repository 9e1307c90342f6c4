/**
 * POST /ingest/emqx bodies as source events. One URL takes both dialects:
 * EMQX 5 rule events name their event in `event`, EMQX 4.4 WebHook plugin
 * bodies their hook in `action` (EMQX 5 events may also have an `action`
 * field, so `event` decides). Events that do not concern sessions give [],
 * so a broker may send every event here.
 */
import type { SourceEvent } from '../../sessions/source-events.js';
import { invalidField } from './connection.js';
import { parseEmqx4Body } from './webhook-v4.js';
import { parseEmqx5Event } from './webhook-v5.js';

export { EMQX_DEFAULTS } from './connection.js';

/** The source events of one webhook body; InvalidEventError (400) names a missing or malformed field. */
export function parseEmqxWebhook(body: unknown, receivedAt: number): SourceEvent[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('body');
  const fields = body as Record<string, unknown>;
  if (Object.hasOwn(fields, 'event')) {
    if (typeof fields.event !== 'string') throw invalidField('event');
    return parseEmqx5Event(fields.event, body);
  }
  if (Object.hasOwn(fields, 'action')) {
    if (typeof fields.action !== 'string') throw invalidField('action');
    return parseEmqx4Body(fields.action, body, receivedAt);
  }
  throw invalidField('event');
}
