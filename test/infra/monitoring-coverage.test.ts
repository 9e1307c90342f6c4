/**
 * The operations guide keeps up with the stack: every alarm any broker kind
 * creates has a row in DEPLOY.md's alarm table (what to do when it fires),
 * every row names an alarm some broker kind creates, and every metric on the
 * dashboard is listed under "Dashboard". And no function escapes the alarms,
 * whichever part of the construct adds it. Bundling is skipped.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ClientsApi } from '../../infra/aws/clients-api.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;

const DEPLOY = readFileSync(new URL('../../infra/aws/DEPLOY.md', import.meta.url), 'utf8');
/** Broker kinds, and AWS IoT's queue delivery beside its default (`<broker>/<iotDelivery>`). */
const BROKERS = ['mqtt', 'emqx5', 'emqx4', 'aws-iot', 'aws-iot/queue'];
const SYNTH_TIMEOUT = 240_000;

/** The text of DEPLOY.md from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = DEPLOY.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`DEPLOY.md has no "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(DEPLOY.slice(start + heading.length));
  return DEPLOY.slice(start, next ? start + heading.length + next.index : undefined);
}

/**
 * Each row of the alarm table as the alarm ids it covers: the backticked names
 * in its first cell, where `<Function>` and `<Group>` stand for the names the
 * cell lists beside them and any other `<…>` for one word.
 */
function documentedAlarms(): { row: string; ids: RegExp[] }[] {
  const rows = section('### Alarms')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  return rows.map((row) => {
    const firstCell = row.slice(2, row.indexOf(' | '));
    const names = [...firstCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const literals = names.filter((n) => !n.includes('<'));
    const listed = literals.length > 0 ? `(?:${literals.join('|')})` : '[A-Za-z0-9]+';
    const ids = names.map((name) =>
      new RegExp(`^${name.replace(/<Function>|<Group>/g, listed).replace(/<[A-Za-z]+>/g, '[A-Za-z0-9]+')}$`),
    );
    return { row: firstCell, ids };
  });
}

/** The [namespace, metric] of every metric line of a dashboard body (math expressions left out). */
function dashboardMetrics(body: unknown): [string, string][] {
  // The body is an Fn::Join of JSON text around tokens (the region, resource names): any string stands in for them.
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const json = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'token')).join('')) as { widgets: { properties: { metrics?: unknown[][] } }[] };
  return json.widgets.flatMap((w) => (w.properties.metrics ?? []).filter((m) => typeof m[0] === 'string').map((m) => [m[0] as string, m[1] as string] as [string, string]));
}

describe('DEPLOY.md and the monitoring of every broker kind', () => {
  const alarmIds: Record<string, string[]> = {};
  const metrics: Record<string, [string, string][]> = {};
  beforeAll(() => {
    for (const broker of BROKERS) {
      const [kind, iotDelivery] = broker.split('/');
      const app = new App({ context: { broker: kind, ...(iotDelivery ? { iotDelivery } : {}), 'aws:cdk:bundling-stacks': [] } });
      const stack = new ClientsApiStack(app, 'Documented');
      alarmIds[broker] = stack.clientsApi.alarms.map((a) => a.node.id);
      const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Properties: Json }> };
      const dashboard = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
      metrics[broker] = dashboardMetrics(dashboard.Properties.DashboardBody);
    }
  }, SYNTH_TIMEOUT);

  it.each(BROKERS)('says what to do for every alarm of %s', (broker) => {
    const rows = documentedAlarms();
    const undocumented = alarmIds[broker]!.filter((id) => !rows.some((r) => r.ids.some((pattern) => pattern.test(id))));
    expect(undocumented).toEqual([]);
  });

  it('documents no alarm that no broker kind creates', () => {
    const all = Object.values(alarmIds).flat();
    const stale = documentedAlarms()
      .filter((r) => !r.ids.some((pattern) => all.some((id) => pattern.test(id))))
      .map((r) => r.row);
    expect(stale).toEqual([]);
  });

  it.each(BROKERS)('lists every dashboard metric of %s with its namespace', (broker) => {
    const dashboard = section('### Dashboard');
    expect(metrics[broker]!.length).toBeGreaterThan(10);
    const unlisted = metrics[broker]!.filter(([namespace, name]) => !dashboard.includes(`\`${namespace}\``) || !dashboard.includes(`\`${name}\``));
    expect(unlisted).toEqual([]);
  });
});

describe('functions and their alarms', () => {
  it('fails the synth for a function added after the alarms were built, naming it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Late');
    const api = new ClientsApi(stack, 'ClientsApi', { broker: { kind: 'aws-iot' } });
    new lambda.Function(api, 'AddedLater', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    expect(() => app.synth()).toThrow(/Late\/ClientsApi\/AddedLater was added after the monitoring was built/);
  }, SYNTH_TIMEOUT);

  it('watches a function of a nested part of the construct like the others', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ClientsApiStack(app, 'Nested');
    const ids = stack.clientsApi.alarms.map((a) => a.node.id);
    // The authorizer is built by the app-credentials part, not by the construct itself.
    expect(ids).toEqual(expect.arrayContaining(['AuthorizeAppErrors', 'AuthorizeAppThrottles', 'ListClientsErrors', 'ExpireSessionsThrottles']));
  }, SYNTH_TIMEOUT);
});
