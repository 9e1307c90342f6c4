/**
 * ClientsApi's props are checked before anything is built, against the
 * ranges the functions themselves enforce (functions/config/ranges.ts): a
 * value the synth accepts is one the function starts with.
 */
import { describe, expect, it } from 'vitest';
import { Duration } from 'aws-cdk-lib';
import { SETTING_RANGES } from '../../functions/config.js';
import { CLIENTS_API_DEFAULTS } from '../../infra/aws/defaults.js';
import { checkClientsApiProps } from '../../infra/aws/props-check.js';

const MQTT = { controlBrokerUrl: 'mqtts://broker.internal:8883' };

describe('checkClientsApiProps', () => {
  it('fills in the defaults', () => {
    const checked = checkClientsApiProps(MQTT);
    expect(checked).toMatchObject({
      broker: { kind: 'mqtt', url: MQTT.controlBrokerUrl },
      sessionShards: CLIENTS_API_DEFAULTS.sessionShards,
      kickConfirmTimeoutMs: CLIENTS_API_DEFAULTS.kickConfirmTimeoutMs,
      brokerTimeoutMs: CLIENTS_API_DEFAULTS.brokerTimeoutMs,
      memorySize: CLIENTS_API_DEFAULTS.memorySize,
      throttle: CLIENTS_API_DEFAULTS.throttle,
      ingestThrottle: CLIENTS_API_DEFAULTS.ingestThrottle,
      powertools: { serviceName: CLIENTS_API_DEFAULTS.serviceName, metricsNamespace: CLIENTS_API_DEFAULTS.metricsNamespace },
      appCredentialsCacheSeconds: CLIENTS_API_DEFAULTS.appCredentialsCacheSeconds,
      kickTimeoutSeconds: 10,
    });
  });

  it.each(['throttle', 'ingestThrottle'] as const)('takes %s as whole requests within what API Gateway takes', (prop) => {
    const throttle = { rateLimit: 20_000, burstLimit: 10_000 };
    expect(checkClientsApiProps({ ...MQTT, [prop]: throttle })[prop]).toEqual(throttle);
    expect(() => checkClientsApiProps({ ...MQTT, [prop]: { rateLimit: 0, burstLimit: 10 } })).toThrow(`${prop}.rateLimit must be an integer from 1 to`);
    expect(() => checkClientsApiProps({ ...MQTT, [prop]: { rateLimit: 10, burstLimit: 2.5 } })).toThrow(`${prop}.burstLimit must be an integer from 1 to`);
    expect(() => checkClientsApiProps({ ...MQTT, [prop]: { rateLimit: 1_000_000, burstLimit: 10 } })).toThrow(`${prop}.rateLimit must be an integer`);
  });

  it.each([
    ['sessionShards', SETTING_RANGES.SESSION_SHARDS],
    ['brokerTimeoutMs', SETTING_RANGES.BROKER_TIMEOUT_MS],
  ] as const)('takes %s within the functions\' range, and only there', (prop, { min, max }) => {
    // A long broker call leaves less time to the confirm wait; none is needed here.
    const base = { ...MQTT, kickConfirmTimeoutMs: 0 };
    expect(checkClientsApiProps({ ...base, [prop]: min })[prop]).toBe(min);
    expect(checkClientsApiProps({ ...base, [prop]: max })[prop]).toBe(max);
    expect(() => checkClientsApiProps({ ...base, [prop]: min - 1 })).toThrow(`${prop} must be an integer from ${min} to ${max}, got ${min - 1}`);
    expect(() => checkClientsApiProps({ ...base, [prop]: max + 1 })).toThrow(`${prop} must be an integer from ${min} to ${max}, got ${max + 1}`);
  });

  it('takes an AWS IoT session expiry within the ingest function\'s range', () => {
    const { max } = SETTING_RANGES.AWS_IOT_SESSION_EXPIRY_SECONDS;
    expect(() => checkClientsApiProps({ broker: { kind: 'aws-iot', sessionExpirySeconds: max } })).not.toThrow();
    expect(() => checkClientsApiProps({ broker: { kind: 'aws-iot', sessionExpirySeconds: max + 1 } })).toThrow(/sessionExpirySeconds must be an integer from 0/);
  });

  it('takes a reconciliation drift interval in whole minutes within the reconcile function\'s range', () => {
    const emqx = (reconcileDriftInterval: Duration) => ({ broker: { kind: 'emqx5' as const, apiUrl: 'https://emqx.internal:18084', reconcileDriftInterval } });
    expect(() => checkClientsApiProps(emqx(Duration.minutes(0)))).not.toThrow();
    expect(() => checkClientsApiProps(emqx(Duration.days(1)))).not.toThrow();
    expect(() => checkClientsApiProps(emqx(Duration.minutes(24 * 60 + 1)))).toThrow(/reconcileDriftInterval \(minutes\) must be an integer from 0 to 1440/);
    expect(() => checkClientsApiProps(emqx(Duration.seconds(90)))).toThrow(/got 1.5/);
  });

  it('bounds the confirm wait by what API Gateway leaves the kick function', () => {
    expect(() => checkClientsApiProps({ ...MQTT, kickConfirmTimeoutMs: 22_000 })).not.toThrow();
    expect(() => checkClientsApiProps({ ...MQTT, kickConfirmTimeoutMs: 22_001 })).toThrow('kickConfirmTimeoutMs must be an integer from 0 to 22000, got 22001');
  });

  it('wants one broker, with a URL of its kind', () => {
    expect(() => checkClientsApiProps({})).toThrow(/needs broker/);
    expect(() => checkClientsApiProps({ ...MQTT, broker: { kind: 'aws-iot' } })).toThrow('Give broker or controlBrokerUrl, not both');
    expect(() => checkClientsApiProps({ controlBrokerUrl: 'https://broker' })).toThrow(/controlBrokerUrl must be an mqtt:\/\//);
    expect(() => checkClientsApiProps({ broker: { kind: 'emqx5', apiUrl: 'mqtt://emqx' } })).toThrow(/apiUrl must be an http:\/\//);
  });
});
