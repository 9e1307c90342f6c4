/** bench-results/statistics-upkeep.md: what was measured, what was assumed, and a day of the fleet with its alternatives. */
import type { Prices } from './prices.js';
import { coldReloadDollars, liveReadDollarsPerMillion, upkeepPerDay, type UpkeepAssumptions, type UpkeepDay, type UpkeepMeasured } from './statistics-upkeep-model.js';

export type LiveReadTiming = { samples: number; storedMs: { p50: number; p99: number }; liveMs: { p50: number; p99: number } };

type RunFigures = { readUnits: number; writeUnits: number; seconds: number; statistics: number };

export type UpkeepReport = {
  measured: UpkeepMeasured;
  runs: {
    cold: RunFigures;
    warm: RunFigures;
    untracked: RunFigures;
    changed: RunFigures;
    changedCount: number;
    statisticsOnly: RunFigures;
    newConnections: RunFigures;
    reconnected: number;
  };
  liveRead: LiveReadTiming;
  assumptions: UpkeepAssumptions;
  day: UpkeepDay;
  prices: Prices;
};

/** A round trip to the user's broker from Lambda in the same region (assumed for pricing), and the bound a read never passes. */
const REGION_BROKER_MS = 20;
const LIVE_TIMEOUT_MS = 1000;

const dollars = (x: number) => (x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`);
const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 && x > 0 ? 3 : 1)} %`;
const num = (x: number, digits = 1) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? '✓' : '✗');

export function renderUpkeepMarkdown(r: UpkeepReport): string {
  const { measured: m, runs, liveRead, assumptions: a, day, prices } = r;
  const lines: string[] = [];
  lines.push('# Statistics upkeep', '');
  lines.push(`Measured with the real reconcile on DynamoDB Local, ${num(m.sessions, 0)} connected EMQX sessions, an EMQX 5 list held in memory:`, '');
  lines.push('| run | read units | write units | statistics written | seconds (DynamoDB Local) |', '| --- | --- | --- | --- | --- |');
  lines.push(`| cold (no memo), nothing changed | ${num(runs.cold.readUnits)} | ${num(runs.cold.writeUnits)} | ${runs.cold.statistics} | ${runs.cold.seconds.toFixed(2)} |`);
  lines.push(`| warm, nothing changed | ${num(runs.warm.readUnits)} | ${num(runs.warm.writeUnits)} | ${runs.warm.statistics} | ${runs.warm.seconds.toFixed(2)} |`);
  lines.push(`| warm, every session's untracked counters moved (recv_oct, send_msg, heap_size) | ${num(runs.untracked.readUnits)} | ${num(runs.untracked.writeUnits)} | ${runs.untracked.statistics} | ${runs.untracked.seconds.toFixed(2)} |`);
  lines.push(`| warm, ${runs.changedCount} sessions' mqueue_len or mqueue_dropped changed | ${num(runs.changed.readUnits)} | ${num(runs.changed.writeUnits)} | ${runs.changed.statistics} | ${runs.changed.seconds.toFixed(2)} |`);
  lines.push(`| statistics run (no walk of the table), warm, nothing changed | ${num(runs.statisticsOnly.readUnits)} | ${num(runs.statisticsOnly.writeUnits)} | ${runs.statisticsOnly.statistics} | ${runs.statisticsOnly.seconds.toFixed(2)} |`);
  lines.push(`| statistics run, ${runs.reconnected} sessions connected again since the last run | ${num(runs.newConnections.readUnits)} | ${num(runs.newConnections.writeUnits)} | ${runs.newConnections.statistics} | ${runs.newConnections.seconds.toFixed(2)} |`);
  lines.push('');
  lines.push(
    `Per 1,000 sessions: warm ${num(m.warm.readUnitsPer1000, 2)} read units, cold ${num(m.cold.readUnitsPer1000, 2)}. ` +
      `Per changed session: ${num(m.perChange.writeUnits, 2)} write units, ${num(m.perChange.readUnits, 2)} read units (the memo does not know the new value: one read), ${(m.perChange.seconds * 1000).toFixed(2)} ms.`,
    '',
  );

  lines.push('## A day of the fleet', '');
  lines.push(`Assumed (stated, not measured): ${num(a.devices, 0)} devices reconnecting ${a.reconnectsPerDay}× a day (${num(day.eventsPerDay, 0)} state events), reconciliation every ${a.intervalMinutes} min (${num(day.runsPerDay, 0)} runs, ${num(day.fullRunsPerDay, 0)} of them full: every ${a.driftMinutes} min), events at ${dollars(a.eventsDollarsPerMillion)} per million (${a.eventsPath}), Lambda at ${a.lambdaMemoryGb * 1024} MB.`, '');
  lines.push('Change rate of the tracked fields (`mqueue_len`, `mqueue_dropped`; `subscriptions_cnt` is kept by subscribe events, never by a run):', '');
  lines.push(`- a reconnect: the queue fills while the device is offline (${a.offlineSecondsPerReconnect} s) and drains on resume, so at most 2 changes, each seen only by a run falling in that window (odds ${a.offlineSecondsPerReconnect} s ÷ ${a.intervalMinutes * 60} s): ${num(day.changesPerDay.reconnect, 0)} changes a day;`);
  lines.push(`- a moving backlog: ${pct(a.backlogFraction)} of sessions (slow or stalled consumers) show another queue length at every run: ${num(day.changesPerDay.backlog, 0)} changes a day;`);
  lines.push(`- keepalive and traffic alone change only untracked counters: measured 0 writes;`);
  lines.push(`- cold runs: ${a.coldRunsPerDay} a day (Lambda ends execution environments "every few hours" even when invoked continuously, and publishes no figure), each reading every session once more.`, '');

  lines.push('| cost a day | dollars | share of the events\' cost | ≤ 10 % |', '| --- | --- | --- | --- |');
  lines.push(`| events | ${dollars(day.eventsDollars)} | 100 % | |`);
  lines.push(`| statistics writes (${num(day.changesPerDay.total, 0)} changes) | ${dollars(day.statistics.writes)} | ${pct(day.statistics.writes / day.eventsDollars)} | |`);
  lines.push(`| cold runs' reads | ${dollars(day.statistics.coldReloads)} | ${pct(day.statistics.coldReloads / day.eventsDollars)} | |`);
  lines.push(`| **statistics upkeep** | **${dollars(day.statistics.total)}** | **${pct(day.statistics.share)}** | ${mark(day.statistics.withinTarget)} |`);
  lines.push(`| reconciliation's own reads (warm, nothing changed: a full run ${num(m.warm.readUnitsPer1000, 1)} read units per 1,000 sessions, a statistics run ${num(m.statisticsRun.readUnitsPer1000, 2)}; each new connection ${num(m.perNewConnection.readUnits, 2)}) | ${dollars(day.reads.total)} | ${pct(day.reads.share)} | ${mark(day.reads.withinTarget)} |`);
  lines.push(`| the same with the function's time as measured on DynamoDB Local (an upper bound) | ${dollars(day.readsWithLambda.total)} | ${pct(day.readsWithLambda.share)} | ${mark(day.readsWithLambda.withinTarget)} |`);
  lines.push('');
  lines.push(
    (day.breakEvenBacklogFraction > 0
      ? `The statistics upkeep reaches 10 % of the events' cost at ${pct(day.breakEvenBacklogFraction)} of sessions with a moving backlog, `
      : `The cold runs and the reconnects alone take the statistics upkeep past 10 % of the events' cost; `) +
      `or at ${day.breakEvenColdRunsPerDay.toFixed(1)} cold runs a day (the rest as assumed). ` +
      `Reconciliation's reads come under 10 % with full runs every ${day.reads.driftMinutesForTarget.toFixed(1)} min or more (${day.readsWithLambda.driftMinutesForTarget.toFixed(1)} min with the measured function time), if every run stays warm.`,
    '',
  );

  lines.push('### The same day under other assumptions', '');
  lines.push('| moving backlog | cold runs a day | statistics upkeep | share | ≤ 10 % |', '| --- | --- | --- | --- | --- |');
  for (const backlogFraction of [0.0001, 0.001, 0.003, 0.01]) {
    for (const coldRunsPerDay of [0, 4, 8, 24]) {
      const d = upkeepPerDay(m, { ...a, backlogFraction, coldRunsPerDay }, prices);
      lines.push(`| ${pct(backlogFraction)} | ${coldRunsPerDay} | ${dollars(d.statistics.total)} | ${pct(d.statistics.share)} | ${mark(d.statistics.withinTarget)} |`);
    }
  }
  lines.push('');
  lines.push(`| full runs every (statistics runs every ${a.intervalMinutes} min between) | full runs a day | read units a day (all warm) | share | ≤ 10 % | the same if every 2nd run is cold |`, '| --- | --- | --- | --- | --- | --- |');
  for (const driftMinutes of [a.intervalMinutes, 10, 15, 30, 60]) {
    const d = upkeepPerDay(m, { ...a, driftMinutes }, prices);
    // A schedule longer than an idle environment lives makes runs cold: each reads every session once more.
    const halfCold = d.reads.total + (d.runsPerDay / 2) * coldReloadDollars(m, { ...a, lambdaMemoryGb: 0 }, prices);
    lines.push(`| ${driftMinutes} min | ${num(d.fullRunsPerDay, 0)} | ${dollars(d.reads.total)} | ${pct(d.reads.share)} | ${mark(d.reads.withinTarget)} | ${dollars(halfCold)} (${pct(halfCold / d.eventsDollars)}) |`);
  }
  lines.push('');

  lines.push('## GET of one client: the live read', '');
  const added = Math.max(0, liveRead.liveMs.p50 - liveRead.storedMs.p50);
  lines.push(`The real get handler, ${liveRead.samples} clients each: stored values p50 ${liveRead.storedMs.p50.toFixed(1)} ms (p99 ${liveRead.storedMs.p99.toFixed(1)}), with the live read of the EMQX stand-in on loopback p50 ${liveRead.liveMs.p50.toFixed(1)} ms (p99 ${liveRead.liveMs.p99.toFixed(1)}): ${added.toFixed(1)} ms more.`, '');
  lines.push(`The broker's API is the user's own: the read costs only the get function's time, per million GETs ${dollars(liveReadDollarsPerMillion(added, a.lambdaMemoryGb, prices))} as measured here, ${dollars(liveReadDollarsPerMillion(REGION_BROKER_MS, a.lambdaMemoryGb, prices))} at an assumed ${REGION_BROKER_MS} ms to a broker in the region, ${dollars(liveReadDollarsPerMillion(LIVE_TIMEOUT_MS, a.lambdaMemoryGb, prices))} at most (every read waiting the full ${LIVE_TIMEOUT_MS} ms bound). Lists read no broker: one call a row would cost a page of 100 rows a hundred broker reads.`, '');
  return `${lines.join('\n')}\n`;
}
