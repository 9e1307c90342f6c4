/**
 * The broker's events are watched where they can be lost: the ingest route's
 * refusals (a wrong token, the route's throttle, malformed or unstorable
 * events: EMQX 4.4 resends none of them) and the events the ingest function
 * drops as never storable. Bundling is skipped.
 */
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { UNSTORABLE_METRIC } from '../../functions/ingest/apply-batch.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;
const SYNTH_TIMEOUT = 240_000;

function alarmsOf(context: Record<string, string>) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientsApiStack(app, 'IngestWatched');
  const template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Json);
  const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Json }>).map(([id, a]) => ({ id, ...a.Properties }) as Json & { id: string });
  const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Record<string, { Properties: Json }>)[0]!.Properties.DashboardBody);
  return { alarms, dashboard, apiId: stack.getLogicalId(stack.clientsApi.httpApi.node.defaultChild as never) };
}

describe('ingest monitoring', () => {
  it(
    'alarms when more than 1% of the requests to POST /ingest/emqx are refused, and on any unstorable event (EMQX)',
    () => {
      const s = alarmsOf({ broker: 'emqx5' });
      const refusals = s.alarms.filter((a) => a.id.includes('ClientErrorRate'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      const metrics = JSON.stringify(refusals[0]!.Metrics);
      for (const dimension of [
        { Name: 'ApiId', Value: { Ref: s.apiId } },
        { Name: 'Method', Value: 'POST' },
        { Name: 'Resource', Value: '/ingest/emqx' },
        { Name: 'Stage', Value: '$default' },
      ]) {
        expect(metrics).toContain(JSON.stringify(dimension));
      }
      expect(metrics).toContain('"MetricName":"4xx"');
      expect(metrics).toContain('"MetricName":"Count"');
      expect(metrics).toContain('IF(requests > 0, 100 * errors / requests, 0)');
      const unstorable = s.alarms.filter((a) => a.MetricName === UNSTORABLE_METRIC);
      expect(unstorable).toHaveLength(1);
      expect(unstorable[0]).toMatchObject({ Namespace: 'MqttClientsApi', Dimensions: [{ Name: 'service', Value: 'clients-api' }], Statistic: 'Sum', Threshold: 1 });
      expect(s.dashboard).toContain(`\\"MqttClientsApi\\",\\"${UNSTORABLE_METRIC}\\"`);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'alarms on unstorable events of AWS IoT, which has no ingest route to refuse anything',
    () => {
      const s = alarmsOf({ broker: 'aws-iot' });
      expect(s.alarms.filter((a) => a.id.includes('ClientErrorRate'))).toEqual([]);
      expect(s.alarms.filter((a) => a.MetricName === UNSTORABLE_METRIC)).toHaveLength(1);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'has neither without an ingest function (mqtt)',
    () => {
      const s = alarmsOf({ broker: 'mqtt' });
      expect(s.alarms.filter((a) => a.id.includes('ClientErrorRate') || a.MetricName === UNSTORABLE_METRIC)).toEqual([]);
      expect(s.dashboard).not.toContain(UNSTORABLE_METRIC);
    },
    SYNTH_TIMEOUT,
  );
});
