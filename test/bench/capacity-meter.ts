/**
 * Counts what an operation costs in DynamoDB: requests, capacity consumed by
 * the table and by each index (as DynamoDB reports it with
 * `ReturnConsumedCapacity: INDEXES`, which this middleware sets on every
 * command), and waves — groups of requests in flight together, i.e. the
 * round trips on the critical path. It also keeps the commands, so that they
 * can be replayed raw.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

export type Units = { read: number; write: number };

export type RecordedCommand = { commandName: string; input: Record<string, unknown>; wave: number };

export type Measurement = {
  requests: number;
  /** Items a Query or Scan read before its filter (ScannedCount): index entries for index queries. */
  scanned: number;
  /** The same, by index name ('table' for the table itself). */
  scannedBy: Record<string, number>;
  failedRequests: number;
  waves: number;
  byCommand: Record<string, number>;
  table: Units;
  indexes: Record<string, Units>;
  commands: RecordedCommand[];
};

type CapacityDetail = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
type ConsumedCapacity = CapacityDetail & {
  Table?: CapacityDetail;
  GlobalSecondaryIndexes?: Record<string, CapacityDetail>;
  LocalSecondaryIndexes?: Record<string, CapacityDetail>;
};

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

const REPLAYABLE = {
  GetItemCommand: GetCommand,
  QueryCommand: QueryCommand,
  ScanCommand: ScanCommand,
  BatchGetItemCommand: BatchGetCommand,
  TransactGetItemsCommand: TransactGetCommand,
  PutItemCommand: PutCommand,
  UpdateItemCommand: UpdateCommand,
  DeleteItemCommand: DeleteCommand,
  BatchWriteItemCommand: BatchWriteCommand,
  TransactWriteItemsCommand: TransactWriteCommand,
} as const;

const emptyMeasurement = (): Measurement => ({
  requests: 0,
  scanned: 0,
  scannedBy: {},
  failedRequests: 0,
  waves: 0,
  byCommand: {},
  table: { read: 0, write: 0 },
  indexes: {},
  commands: [],
});

/** Units of one detail: reads and writes are told apart by the command, as older responses give only CapacityUnits. */
function units(detail: CapacityDetail | undefined, isRead: boolean): Units {
  if (!detail) return { read: 0, write: 0 };
  const read = detail.ReadCapacityUnits ?? (isRead ? detail.CapacityUnits ?? 0 : 0);
  const write = detail.WriteCapacityUnits ?? (isRead ? 0 : detail.CapacityUnits ?? 0);
  return { read, write };
}

function add(into: Units, more: Units): void {
  into.read += more.read;
  into.write += more.write;
}

export class CapacityMeter {
  private current: Measurement | undefined;
  private inFlight = 0;
  /** Keep the commands of each request (off for bulk loads, where they would only use memory). */
  keepCommands = true;
  /** Totals since the meter was installed, whatever is being recorded. */
  readonly lifetime = emptyMeasurement();

  constructor(private readonly db: DynamoDBDocumentClient) {
    db.middlewareStack.add(
      ((next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          const commandName = context.commandName ?? 'unknown';
          const input = { ...args.input, ReturnConsumedCapacity: 'INDEXES' };
          const measurement = this.current;
          if (this.inFlight++ === 0) {
            this.lifetime.waves++;
            if (measurement) measurement.waves++;
          }
          if (measurement && this.keepCommands) measurement.commands.push({ commandName, input: structuredClone(args.input), wave: measurement.waves });
          try {
            const result = await next({ ...args, input });
            this.count(commandName, result.output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined, false, measurement);
            const scanned = result.output.ScannedCount;
            if (typeof scanned === 'number') {
              const where = typeof args.input.IndexName === 'string' ? args.input.IndexName : 'table';
              for (const target of measurement ? [this.lifetime, measurement] : [this.lifetime]) {
                target.scanned += scanned;
                target.scannedBy[where] = (target.scannedBy[where] ?? 0) + scanned;
              }
            }
            return result;
          } catch (error) {
            this.count(commandName, undefined, true, measurement);
            throw error;
          } finally {
            this.inFlight--;
          }
        }) as never,
      { step: 'initialize', name: 'benchCapacityMeter', priority: 'high' } as never,
    );
  }

  private count(commandName: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, failed: boolean, measurement: Measurement | undefined): void {
    for (const target of measurement ? [this.lifetime, measurement] : [this.lifetime]) {
      target.requests++;
      if (failed) target.failedRequests++;
      target.byCommand[commandName] = (target.byCommand[commandName] ?? 0) + 1;
      const isRead = READS.has(commandName);
      for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        // Without a per-table breakdown the whole amount is the table's.
        add(target.table, units(entry.Table ?? entry, isRead));
        for (const [name, detail] of Object.entries({ ...entry.GlobalSecondaryIndexes, ...entry.LocalSecondaryIndexes })) {
          target.indexes[name] ??= { read: 0, write: 0 };
          add(target.indexes[name], units(detail, isRead));
        }
      }
    }
  }

  /** Measures everything `operation` sends. Measurements do not nest. */
  async measure<T>(operation: () => Promise<T>): Promise<{ result: T; measurement: Measurement }> {
    if (this.current) throw new Error('a measurement is already running');
    const measurement = emptyMeasurement();
    this.current = measurement;
    try {
      const result = await operation();
      return { result, measurement };
    } finally {
      this.current = undefined;
    }
  }

  /** Sends recorded commands again as they went the first time: wave by wave, each wave's requests together. */
  async replay(commands: readonly RecordedCommand[]): Promise<void> {
    const waves = new Map<number, RecordedCommand[]>();
    for (const command of commands) waves.set(command.wave, [...(waves.get(command.wave) ?? []), command]);
    for (const wave of [...waves.keys()].sort((a, b) => a - b)) {
      await Promise.all(
        waves.get(wave)!.map((command) => {
          const Command = REPLAYABLE[command.commandName as keyof typeof REPLAYABLE];
          if (!Command) throw new Error(`cannot replay ${command.commandName}`);
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          return this.db.send(new (Command as any)(command.input));
        }),
      );
    }
  }
}

/** Capacity of a measurement in read and write units, table and indexes together. */
export function totalUnits(m: Measurement): Units {
  const total = { ...m.table };
  for (const u of Object.values(m.indexes)) add(total, u);
  return total;
}
