/** A SessionStore that notes the requests it makes, to tell which access path a listing took. */
import type { Item } from '../../functions/sessions/item.js';
import { SessionStore } from '../../functions/sessions/store.js';

export type RecordedQuery = { input: Parameters<SessionStore['query']>[0]; scanned: number; returned: number };

export class RecordingStore extends SessionStore {
  readonly queries: RecordedQuery[] = [];
  readonly batchGets: string[][] = [];

  override async query(input: Parameters<SessionStore['query']>[0]) {
    const output = await super.query(input);
    this.queries.push({ input, scanned: output.ScannedCount ?? 0, returned: output.Count ?? 0 });
    return output;
  }

  override async batchGetItems(keys: readonly string[]): Promise<Map<string, Item>> {
    this.batchGets.push([...keys]);
    return super.batchGetItems(keys);
  }

  reset(): void {
    this.queries.length = 0;
    this.batchGets.length = 0;
  }
}
