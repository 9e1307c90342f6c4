/** The monitoring props are checked with the others, before anything is built. */
import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MONITORING_DEFAULTS } from '../../infra/aws/defaults.js';
import { checkClientsApiProps } from '../../infra/aws/props-check.js';

const MQTT = { controlBrokerUrl: 'mqtts://broker.internal:8883' };

describe('monitoring props', () => {
  it('default to a topic of the stack, no subscription and the default thresholds', () => {
    expect(checkClientsApiProps(MQTT).monitoring).toEqual({ ...MONITORING_DEFAULTS });
  });

  it('keep the thresholds and the address given', () => {
    const monitoring = { alarmEmail: 'oncall@example.com', reconcileDriftThreshold: 5, apiServerErrorRatePercent: 100, apiP99LatencyMs: 250, ingestClientErrorRatePercent: 20 };
    expect(checkClientsApiProps({ ...MQTT, monitoring }).monitoring).toEqual(monitoring);
  });

  it('take a topic or an address, not both', () => {
    const topic = sns.Topic.fromTopicArn(new Stack(new App()), 'T', 'arn:aws:sns:eu-west-1:111122223333:oncall');
    expect(() => checkClientsApiProps({ ...MQTT, monitoring: { alarmTopic: topic, alarmEmail: 'oncall@example.com' } })).toThrow('not both');
    expect(checkClientsApiProps({ ...MQTT, monitoring: { alarmTopic: topic } }).monitoring.alarmTopic).toBe(topic);
  });

  it.each(['oncall', 'on call@example.com', 'oncall@example'])('reject the address %s', (alarmEmail) => {
    expect(() => checkClientsApiProps({ ...MQTT, monitoring: { alarmEmail } })).toThrow('monitoring.alarmEmail must be an e-mail address');
  });

  it.each([
    [{ reconcileDriftThreshold: 0 }, 'monitoring.reconcileDriftThreshold must be an integer'],
    [{ reconcileDriftThreshold: 2.5 }, 'monitoring.reconcileDriftThreshold must be an integer'],
    [{ apiServerErrorRatePercent: 0 }, 'monitoring.apiServerErrorRatePercent must be a number above 0 and at most 100'],
    [{ apiServerErrorRatePercent: 101 }, 'monitoring.apiServerErrorRatePercent must be a number above 0 and at most 100'],
    [{ apiP99LatencyMs: -1 }, 'monitoring.apiP99LatencyMs must be a number above 0'],
    [{ apiP99LatencyMs: Number.NaN }, 'monitoring.apiP99LatencyMs must be a number above 0'],
    [{ ingestClientErrorRatePercent: 0 }, 'monitoring.ingestClientErrorRatePercent must be a number above 0 and at most 100'],
    [{ ingestClientErrorRatePercent: 100.5 }, 'monitoring.ingestClientErrorRatePercent must be a number above 0 and at most 100'],
  ])('reject the thresholds %o', (monitoring, message) => {
    expect(() => checkClientsApiProps({ ...MQTT, monitoring })).toThrow(message);
  });
});
