/** BROKER_MODE=none: where kicks go, from the variables the deployed kick function reads, checked before anything starts. */
import { describe, expect, it } from 'vitest';
import { remoteBrokerOf } from '../../../infra/local/remote-broker.js';

const TABLE = { tableName: 'sessions', shards: 8 };

describe('remoteBrokerOf', () => {
  it('sends kicks to AWS IoT in AWS_REGION, at IOT_DATA_ENDPOINT when given', () => {
    expect(remoteBrokerOf({ KICK_VIA: 'aws-iot', AWS_REGION: 'eu-west-1', IOT_DATA_ENDPOINT: 'https://a1b2c3-ats.iot.eu-west-1.amazonaws.com' }, TABLE)).toEqual({
      kick: { via: 'aws-iot', iotDataEndpoint: 'https://a1b2c3-ats.iot.eu-west-1.amazonaws.com' },
      region: 'eu-west-1',
    });
    expect(() => remoteBrokerOf({ KICK_VIA: 'aws-iot' }, TABLE)).toThrow('KICK_VIA=aws-iot needs AWS_REGION');
  });

  it('sends kicks to an EMQX cluster with its API key', () => {
    const broker = remoteBrokerOf({ KICK_VIA: 'emqx4', EMQX_API_URL: 'http://127.0.0.1:8081', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's' }, TABLE);
    expect(broker.kick).toEqual({ via: 'emqx4', emqx: { baseUrl: 'http://127.0.0.1:8081', key: 'k', secret: 's' } });
  });

  it('sends kicks to a control topic, and needs the broker URL for it', () => {
    expect(remoteBrokerOf({ KICK_VIA: 'mqtt', CONTROL_BROKER_URL: 'mqtt://127.0.0.1:1883', CONTROL_PASSWORD: 'p' }, TABLE).kick).toEqual({
      via: 'mqtt',
      control: { brokerUrl: 'mqtt://127.0.0.1:1883', password: 'p' },
    });
    expect(() => remoteBrokerOf({ KICK_VIA: 'mqtt' }, TABLE)).toThrow(/BROKER_MODE=none with KICK_VIA=mqtt: .*CONTROL_BROKER_URL/);
  });

  it('refuses a KICK_VIA it does not know, naming it', () => {
    expect(() => remoteBrokerOf({ KICK_VIA: 'emqx6' }, TABLE)).toThrow('got KICK_VIA=emqx6');
  });
});
