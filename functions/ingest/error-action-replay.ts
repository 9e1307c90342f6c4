/**
 * A document of the AWS IoT rules' error action (the stack's dead-letter
 * queue) turned back into what the rule had sent, so that a replay invokes
 * the ingest function with the document as it is. Two shapes, as AWS
 * documents them:
 *
 * - one message (https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html):
 *   `{ruleName, topic, clientId, base64OriginalPayload, failures}`;
 * - a batch of the batched HTTP action with `batchAcrossTopics`
 *   (https://docs.aws.amazon.com/iot/latest/apireference/API_BatchConfig.html):
 *   the messages in `payloadsWithMetadata`, each with its own `topic`.
 *
 * Each payload is the rule's output less its `topic` field, which comes back
 * from the document.
 */
type Entry = { topic?: unknown; base64OriginalPayload?: unknown; payload?: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `document` is an error action's, not an event. */
export const isErrorActionDocument = (document: unknown): document is Record<string, unknown> =>
  isRecord(document) && 'failures' in document && ('base64OriginalPayload' in document || 'payloadsWithMetadata' in document);

/** The payload of one entry with its topic; what cannot be read stays as it is, for the parser to refuse. */
function rebuilt(entry: Entry): unknown {
  let payload: unknown = entry.payload;
  if (typeof entry.base64OriginalPayload === 'string') {
    try {
      payload = JSON.parse(Buffer.from(entry.base64OriginalPayload, 'base64').toString('utf8'));
    } catch {
      return entry;
    }
  }
  return isRecord(payload) && typeof entry.topic === 'string' ? { ...payload, topic: entry.topic } : (payload ?? entry);
}

/** The events an error action's document holds, in its order. */
export function eventsOfErrorAction(document: Record<string, unknown>): unknown[] {
  const batch = document['payloadsWithMetadata'];
  if (Array.isArray(batch)) return batch.map((entry) => (isRecord(entry) ? rebuilt(entry) : entry));
  return [rebuilt(document)];
}
