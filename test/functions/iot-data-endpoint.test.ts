/**
 * IOT_DATA_ENDPOINT as `aws iot describe-endpoint` prints it (a bare host)
 * or as a URL: the kick function starts with either and hands the SDK a URL.
 */
import { describe, expect, it } from 'vitest';
import { iotDataEndpointUrl, loadKickConfig } from '../../functions/config.js';

const HOST = 'abc123-ats.iot.eu-west-1.amazonaws.com';
const kickWith = (endpoint: string) => loadKickConfig({ AWS_REGION: 'eu-west-1', TABLE_NAME: 'sessions', KICK_VIA: 'aws-iot', IOT_DATA_ENDPOINT: endpoint });

describe('iotDataEndpointUrl', () => {
  it.each([
    [HOST, `https://${HOST}`],
    [`${HOST}:443`, `https://${HOST}:443`],
    [`https://${HOST}`, `https://${HOST}`],
    [`https://${HOST}/`, `https://${HOST}`],
    [`HTTPS://${HOST}`, `https://${HOST}`],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000'],
  ])('takes %s as %s', (value, url) => {
    expect(iotDataEndpointUrl(value)).toBe(url);
  });

  it.each(['', ' ', `${HOST}/things`, `https://${HOST}/things`, `ftp://${HOST}`, `https://`, 'abc_123.iot.amazonaws.com', `-${HOST}`, `${HOST} `, 'https://a b'])(
    'refuses %j',
    (value) => {
      expect(iotDataEndpointUrl(value)).toBeUndefined();
    },
  );

  it('takes only the schemes given', () => {
    expect(iotDataEndpointUrl('http://127.0.0.1:4000', ['https'])).toBeUndefined();
    expect(iotDataEndpointUrl(HOST, ['https'])).toBe(`https://${HOST}`);
  });
});

describe('the kick function with IOT_DATA_ENDPOINT', () => {
  it('calls the bare host describe-endpoint prints over https', () => {
    expect(kickWith(HOST).iotDataEndpoint).toBe(`https://${HOST}`);
  });

  it('keeps a URL as it is', () => {
    expect(kickWith(`https://${HOST}`).iotDataEndpoint).toBe(`https://${HOST}`);
  });

  it('stops at load with the variable named when the value is neither', () => {
    expect(() => kickWith(`${HOST}/path`)).toThrow(/IOT_DATA_ENDPOINT: must be a host \(as aws iot describe-endpoint prints it\) or an https:\/\/ URL/);
  });

  it('leaves the SDK its default when unset', () => {
    expect(loadKickConfig({ AWS_REGION: 'eu-west-1', TABLE_NAME: 'sessions', KICK_VIA: 'aws-iot' }).iotDataEndpoint).toBeUndefined();
  });
});
