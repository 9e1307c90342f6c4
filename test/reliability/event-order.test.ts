/**
 * The table ends in the same state whatever order the broker's events of one
 * clientid arrive in, and however often each arrives: first on the pure
 * reducer, then through SessionWriter against DynamoDB Local, sequentially
 * and with concurrent writers, with the state counters checked each time.
 */
import fc from 'fast-check';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connKey } from '../../functions/sessions/keys.js';
import type { Item } from '../../functions/sessions/item.js';
import { isPersistent, type SessionEvent, type SessionRecord } from '../../functions/sessions/model.js';
import { applyEvent } from '../../functions/sessions/reducer.js';
import { createTestTable, type TestTable } from '../support/dynamodb.js';
import { propertyRuns } from '../support/property-seed.js';
import { snapshotTable, tableProblems, withoutRev } from '../support/table-invariants.js';
import { deliveryOf, type Delivery } from './histories.js';

function fold(events: readonly SessionEvent[]): SessionRecord | undefined {
  return events.reduce<SessionRecord | undefined>((record, event) => applyEvent(record, event) ?? record, undefined);
}

describe('applyEvent: delivery order and repetition do not matter (pure)', () => {
  it('folds any shuffled, repeated delivery to the record of the broker order', () => {
    fc.assert(
      fc.property(deliveryOf('client-1'), (delivery) => {
        expect(fold(delivery.delivered)).toEqual(fold(delivery.inOrder));
      }),
      propertyRuns(5000),
    );
  });
});

describe('SessionWriter: delivery order and repetition do not matter (DynamoDB Local)', () => {
  let inOrderTable: TestTable;
  let shuffledTable: TestTable;
  let concurrentTable: TestTable;

  beforeAll(async () => {
    [inOrderTable, shuffledTable, concurrentTable] = await Promise.all([
      createTestTable({ shards: 4 }),
      createTestTable({ shards: 4 }),
      createTestTable({ shards: 4 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([inOrderTable?.drop(), shuffledTable?.drop(), concurrentTable?.drop()]);
  });

  const readItem = async (t: TestTable, clientid: string) =>
    withoutRev((await t.db.send(new GetCommand({ TableName: t.table.tableName, Key: { clientid }, ConsistentRead: true }))).Item);

  it('leaves the same item and the same counters as the broker order, applied one by one or four at a time', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 12 }).chain((suffix) => deliveryOf(`order-${++run}-${suffix}`)),
        async (delivery) => {
          const clientid = delivery.inOrder[0]!.conn.clientid;
          for (const event of delivery.inOrder) await inOrderTable.writer.apply(event);
          for (const event of delivery.delivered) await shuffledTable.writer.apply(event);
          // Several writers at once on one item: optimistic concurrency must not lose or double anything.
          for (let i = 0; i < delivery.delivered.length; i += 4) {
            await Promise.all(delivery.delivered.slice(i, i + 4).map((event) => concurrentTable.writer.apply(event)));
          }
          const expected = await readItem(inOrderTable, clientid);
          expect(await readItem(shuffledTable, clientid)).toEqual(expected);
          expect(await readItem(concurrentTable, clientid)).toEqual(expected);
          // The reducer alone predicts the same record.
          expect(await inOrderTable.store.get(clientid, { consistent: true })).toEqual(
            fold(delivery.inOrder),
          );
          await Promise.all([inOrderTable.settle(), shuffledTable.settle(), concurrentTable.settle()]);
          const [a, b, c] = await Promise.all([
            inOrderTable.store.countByState(),
            shuffledTable.store.countByState(),
            concurrentTable.store.countByState(),
          ]);
          expect(b).toEqual(a);
          expect(c).toEqual(a);
        },
      ),
      propertyRuns(40),
    );
    for (const t of [inOrderTable, shuffledTable, concurrentTable]) {
      expect(tableProblems(await snapshotTable(t.db, t.table), t.table)).toEqual([]);
    }
  }, 120_000);
});
