/**
 * What keeping statistics current costs a fleet a day, beside what its
 * events cost: reconciliation's statistics writes (and the reads that find
 * them), modeled from what statistics-upkeep.ts measured with the real
 * reconcile, under the change rate stated in its assumptions; and,
 * separately, the reads of the run itself. Pure arithmetic, so that
 * statistics-upkeep-model.test.ts can check it.
 */
import type { Prices } from './prices.js';

/** Measured with the real reconcile on DynamoDB Local (statistics-upkeep.ts). */
export type UpkeepMeasured = {
  sessions: number;
  /** A warm run (its memo knows the table) in which nothing changed, per 1,000 sessions. */
  warm: { readUnitsPer1000: number; secondsPer1000: number };
  /** A cold run (no memo: it reads every listed session once), per 1,000 sessions. */
  cold: { readUnitsPer1000: number; secondsPer1000: number };
  /** A warm run in which every session's untracked counters moved and no tracked field did: write units in all. */
  untrackedOnlyWriteUnits: number;
  /** What one session whose tracked field changed adds to a warm run. */
  perChange: { writeUnits: number; readUnits: number; seconds: number };
  /** A warm statistics run (statistics-run.ts: no walk of the table) in which nothing changed, per 1,000 sessions. */
  statisticsRun: { readUnitsPer1000: number; secondsPer1000: number };
  /** What a session connected since the last run adds to the next run, which reads it once to learn its fields. */
  perNewConnection: { readUnits: number };
};

export type UpkeepAssumptions = {
  devices: number;
  reconnectsPerDay: number;
  /** The reconcile schedule (infra/aws/defaults.ts). */
  intervalMinutes: number;
  /** Minutes between full runs (RECONCILE_DRIFT_MINUTES); the runs between are statistics runs. */
  driftMinutes: number;
  /**
   * Share of sessions whose `mqueue_len` or `mqueue_dropped` differs between
   * two consecutive runs without a reconnect: clients with a moving backlog
   * (slow or stalled consumers). Not measurable here: stated.
   */
  backlogFraction: number;
  /** How long a reconnecting device is offline: a queue can fill only then, and a run sees it only if it falls in that window. */
  offlineSecondsPerReconnect: number;
  /** Runs a day that start in a fresh execution environment (Lambda ends them "every few hours", no figure published). */
  coldRunsPerDay: number;
  lambdaMemoryGb: number;
  /** The events' cost per million on the path reconciliation comes with (bench-results/cost.json). */
  eventsDollarsPerMillion: number;
  eventsPath: string;
  /** The share of the events' cost statistics may take. */
  targetShare: number;
};

export type UpkeepDay = {
  eventsPerDay: number;
  eventsDollars: number;
  runsPerDay: number;
  /** Tracked-field changes a day: the moving backlogs, and the queue a reconnect leaves seen by a run. */
  changesPerDay: { backlog: number; reconnect: number; total: number };
  /** Statistics upkeep, dollars a day: the changes' writes and reads, and the cold runs' reads of every session. */
  statistics: { writes: number; coldReloads: number; total: number; share: number; withinTarget: boolean };
  /** The backlog share at which statistics upkeep reaches the target, the rest as assumed (0: the rest alone passes it). */
  breakEvenBacklogFraction: number;
  /** The cold runs a day at which statistics upkeep reaches the target, the rest as assumed. */
  breakEvenColdRunsPerDay: number;
  fullRunsPerDay: number;
  /** Reconciliation's own reads, dollars a day: the full runs' walks, the statistics runs, and a read of each new connection. */
  reads: RunCost;
  /** The same with the function's time as measured (on DynamoDB Local, so an upper bound). */
  readsWithLambda: RunCost;
};

export type RunCost = {
  /** A full run and a statistics run over the fleet, nothing changed. */
  perRun: { full: number; statistics: number };
  /** Each session connected since the last run, read once. */
  newConnections: number;
  total: number;
  share: number;
  withinTarget: boolean;
  /** The drift interval at which the reads come to the target (Infinity: not even with no full run). */
  driftMinutesForTarget: number;
};

const lambdaDollars = (seconds: number, a: UpkeepAssumptions, p: Prices) => seconds * a.lambdaMemoryGb * p.lambdaGbSecond;

/** Dollars of one tracked-field change. */
export function changeDollars(m: UpkeepMeasured, a: UpkeepAssumptions, p: Prices): number {
  return m.perChange.writeUnits * p.dynamoWriteUnit + m.perChange.readUnits * p.dynamoReadUnit + lambdaDollars(m.perChange.seconds, a, p);
}

/** Dollars of one warm run over the fleet with nothing to change: the walk of the state index (and, if asked, the function's time). */
export function warmRunDollars(m: UpkeepMeasured, a: UpkeepAssumptions, p: Prices, withLambda = true): number {
  const thousands = a.devices / 1000;
  return thousands * (m.warm.readUnitsPer1000 * p.dynamoReadUnit + (withLambda ? lambdaDollars(m.warm.secondsPer1000, a, p) : 0));
}

/** What a cold run costs beyond a warm one: a read of every listed session to learn what its memo lacks. */
export function coldReloadDollars(m: UpkeepMeasured, a: UpkeepAssumptions, p: Prices): number {
  const thousands = a.devices / 1000;
  const reads = Math.max(0, m.cold.readUnitsPer1000 - m.warm.readUnitsPer1000);
  const seconds = Math.max(0, m.cold.secondsPer1000 - m.warm.secondsPer1000);
  return thousands * (reads * p.dynamoReadUnit + lambdaDollars(seconds, a, p));
}

/** Dollars of one warm statistics run over the fleet with nothing to change. */
export function statisticsRunDollars(m: UpkeepMeasured, a: UpkeepAssumptions, p: Prices, withLambda = true): number {
  const thousands = a.devices / 1000;
  return thousands * (m.statisticsRun.readUnitsPer1000 * p.dynamoReadUnit + (withLambda ? lambdaDollars(m.statisticsRun.secondsPer1000, a, p) : 0));
}

export function upkeepPerDay(m: UpkeepMeasured, a: UpkeepAssumptions, p: Prices): UpkeepDay {
  const eventsPerDay = a.devices * a.reconnectsPerDay * 2;
  const eventsDollars = (eventsPerDay / 1e6) * a.eventsDollarsPerMillion;
  const budget = a.targetShare * eventsDollars;
  const runsPerDay = (24 * 60) / a.intervalMinutes;
  // A reconnect's queue fills while the device is offline and drains on resume: at most two changes, each seen only by a run in that window.
  const seen = Math.min(1, a.offlineSecondsPerReconnect / (a.intervalMinutes * 60));
  const reconnect = a.devices * a.reconnectsPerDay * 2 * seen;
  const backlog = a.devices * a.backlogFraction * runsPerDay;
  const perChange = changeDollars(m, a, p);
  const writes = (backlog + reconnect) * perChange;
  const coldReloads = a.coldRunsPerDay * coldReloadDollars(m, a, p);
  const total = writes + coldReloads;
  const breakEvenBacklogFraction = Math.max(0, (budget - coldReloads - reconnect * perChange) / (a.devices * runsPerDay * perChange));
  const breakEvenColdRunsPerDay = Math.max(0, (budget - writes) / coldReloadDollars(m, a, p));
  // A full run every drift interval (every run when it is no longer than the schedule's); statistics runs between.
  const fullRunsPerDay = a.driftMinutes <= a.intervalMinutes ? runsPerDay : (24 * 60) / a.driftMinutes;
  const newConnections = a.devices * a.reconnectsPerDay * m.perNewConnection.readUnits * p.dynamoReadUnit;
  const runCost = (full: number, statistics: number): RunCost => {
    const total = full * fullRunsPerDay + statistics * (runsPerDay - fullRunsPerDay) + newConnections;
    // Full runs replace statistics runs: each costs (full - statistics) more; the rest is paid whatever the drift interval.
    const floor = statistics * runsPerDay + newConnections;
    const driftMinutesForTarget = budget > floor ? ((full - statistics) * 24 * 60) / (budget - floor) : Infinity;
    return { perRun: { full, statistics }, newConnections, total, share: total / eventsDollars, withinTarget: total <= budget, driftMinutesForTarget };
  };
  return {
    eventsPerDay,
    eventsDollars,
    runsPerDay,
    changesPerDay: { backlog, reconnect, total: backlog + reconnect },
    statistics: { writes, coldReloads, total, share: total / eventsDollars, withinTarget: total <= budget },
    breakEvenBacklogFraction,
    breakEvenColdRunsPerDay,
    fullRunsPerDay,
    reads: runCost(warmRunDollars(m, a, p, false), statisticsRunDollars(m, a, p, false)),
    readsWithLambda: runCost(warmRunDollars(m, a, p), statisticsRunDollars(m, a, p)),
  };
}

/** Lambda's cost of the broker read a shown client adds, per million GETs, for the time it adds. */
export function liveReadDollarsPerMillion(addedMs: number, lambdaMemoryGb: number, p: Prices): number {
  return (addedMs / 1000) * lambdaMemoryGb * p.lambdaGbSecond * 1e6;
}
