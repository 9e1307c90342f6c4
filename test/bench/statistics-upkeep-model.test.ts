/** The statistics upkeep model's arithmetic, on figures worked out by hand. */
import { describe, expect, it } from 'vitest';
import { liveReadDollarsPerMillion, upkeepPerDay, type UpkeepAssumptions, type UpkeepMeasured } from './statistics-upkeep-model.js';
import { PRICES } from './prices.js';

const MEASURED: UpkeepMeasured = {
  sessions: 1000,
  warm: { readUnitsPer1000: 35, secondsPer1000: 0 },
  cold: { readUnitsPer1000: 500, secondsPer1000: 0 },
  untrackedOnlyWriteUnits: 0,
  perChange: { writeUnits: 1, readUnits: 0.5, seconds: 0 },
  statisticsRun: { readUnitsPer1000: 0, secondsPer1000: 0 },
  perNewConnection: { readUnits: 0.5 },
};

const ASSUMED: UpkeepAssumptions = {
  devices: 1_000_000,
  reconnectsPerDay: 1,
  intervalMinutes: 5,
  driftMinutes: 5,
  backlogFraction: 0.001,
  offlineSecondsPerReconnect: 10,
  coldRunsPerDay: 0,
  lambdaMemoryGb: 0.5,
  eventsDollarsPerMillion: 3,
  eventsPath: 'test',
  targetShare: 0.1,
};

describe('statistics upkeep per day', () => {
  it('prices the changes a moving backlog and the reconnects make, against the events', () => {
    const day = upkeepPerDay(MEASURED, ASSUMED, PRICES);
    expect(day.eventsPerDay).toBe(2_000_000);
    expect(day.eventsDollars).toBeCloseTo(6, 9);
    expect(day.runsPerDay).toBe(288);
    expect(day.changesPerDay.backlog).toBeCloseTo(288_000, 6);
    // Two changes a reconnect, each seen by a run with odds 10 s / 300 s.
    expect(day.changesPerDay.reconnect).toBeCloseTo(2_000_000 / 30, 6);
    expect(day.statistics.writes).toBeCloseTo((288_000 + 2_000_000 / 30) * 0.6875e-6, 9);
    expect(day.statistics.share).toBeCloseTo(day.statistics.writes / 6, 9);
    expect(day.statistics.withinTarget).toBe(true);
    expect(day.breakEvenBacklogFraction).toBeCloseTo((0.6 - (2_000_000 / 30) * 0.6875e-6) / (288_000_000 * 0.6875e-6), 9);
  });

  it('adds what cold runs read beyond warm ones, and misses the target when they are many', () => {
    const day = upkeepPerDay(MEASURED, { ...ASSUMED, coldRunsPerDay: 12 }, PRICES);
    expect(day.statistics.coldReloads).toBeCloseTo(12 * 1000 * 465 * 0.125e-6, 9);
    expect(day.statistics.withinTarget).toBe(false);
    expect(day.breakEvenBacklogFraction).toBe(0);
    expect(day.breakEvenColdRunsPerDay).toBeCloseTo((0.6 - day.statistics.writes) / (1000 * 465 * 0.125e-6), 9);
  });

  it("prices reconciliation's own reads, full runs every run, and the drift interval that brings them under the target", () => {
    const day = upkeepPerDay(MEASURED, ASSUMED, PRICES);
    const newConnections = 1_000_000 * 0.5 * 0.125e-6;
    expect(day.fullRunsPerDay).toBe(288);
    expect(day.reads.perRun.full).toBeCloseTo(1000 * 35 * 0.125e-6, 12);
    expect(day.reads.newConnections).toBeCloseTo(newConnections, 12);
    expect(day.reads.total).toBeCloseTo(288 * 1000 * 35 * 0.125e-6 + newConnections, 9);
    expect(day.reads.withinTarget).toBe(false);
    // Statistics runs read nothing here: the budget left after the new connections pays for the full runs.
    expect(day.reads.driftMinutesForTarget).toBeCloseTo((0.004375 * 1440) / (0.6 - newConnections), 9);
    const slower = upkeepPerDay(MEASURED, { ...ASSUMED, driftMinutes: Math.ceil(day.reads.driftMinutesForTarget) }, PRICES);
    expect(slower.fullRunsPerDay).toBeCloseTo(1440 / Math.ceil(day.reads.driftMinutesForTarget), 9);
    expect(slower.reads.withinTarget).toBe(true);
    const timed = upkeepPerDay({ ...MEASURED, warm: { readUnitsPer1000: 35, secondsPer1000: 0.1 } }, ASSUMED, PRICES);
    expect(timed.reads.total).toBeCloseTo(day.reads.total, 12);
    expect(timed.readsWithLambda.perRun.full).toBeCloseTo(day.reads.perRun.full + 1000 * 0.1 * 0.5 * 0.0000133334, 12);
  });

  it('runs full every drift interval and statistics runs between', () => {
    const measured = { ...MEASURED, statisticsRun: { readUnitsPer1000: 2, secondsPer1000: 0 } };
    const day = upkeepPerDay(measured, { ...ASSUMED, driftMinutes: 30 }, PRICES);
    expect(day.fullRunsPerDay).toBe(48);
    expect(day.reads.total).toBeCloseTo(48 * 1000 * 35 * 0.125e-6 + 240 * 1000 * 2 * 0.125e-6 + 1_000_000 * 0.5 * 0.125e-6, 9);
  });

  it('prices the Lambda time a live read adds to a GET', () => {
    expect(liveReadDollarsPerMillion(20, 0.5, PRICES)).toBeCloseTo(0.02 * 0.5 * 0.0000133334 * 1e6, 9);
  });
});
