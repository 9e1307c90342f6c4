/** LISTEN_HOST and the warnings `npm start` gives before it starts: an exposed listen address, a variable that resembles a setting. */
import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isAllowedHost } from '../../../infra/local/api/host-check.js';
import { exposureWarning, isLoopback, urlHost } from '../../../infra/local/listen-address.js';
import { loadSettings, SETTING_NAMES } from '../../../infra/local/settings.js';
import { editDistance, unknownVariableWarnings } from '../../../infra/local/unknown-variables.js';

describe('LISTEN_HOST', () => {
  it('defaults to loopback and takes an IP address', () => {
    expect(loadSettings({}).LISTEN_HOST).toBe('127.0.0.1');
    expect(loadSettings({ LISTEN_HOST: '0.0.0.0' }).LISTEN_HOST).toBe('0.0.0.0');
    expect(() => loadSettings({ LISTEN_HOST: 'not an address' })).toThrow(/LISTEN_HOST/);
  });

  it('warns when the address is not loopback, and not when it is', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(isLoopback(host)).toBe(true);
    expect(exposureWarning('127.0.0.1')).toBeUndefined();
    expect(exposureWarning('0.0.0.0')).toMatch(/^warning: LISTEN_HOST=0\.0\.0\.0 is not a loopback address/);
  });

  it('names a wildcard as loopback in URLs and IPv6 in brackets', () => {
    expect(urlHost('0.0.0.0')).toBe('127.0.0.1');
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('10.0.0.5')).toBe('10.0.0.5');
  });

  it('on a wildcard, answers requests naming this machine (a broker elsewhere posts to it), not other names', () => {
    const address = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4')!.address;
    expect(isAllowedHost(`${address}:8080`, '0.0.0.0', 8080)).toBe(true);
    expect(isAllowedHost(`${hostname()}:8080`, '0.0.0.0', 8080)).toBe(true);
    expect(isAllowedHost('attacker.example:8080', '0.0.0.0', 8080)).toBe(false);
    expect(isAllowedHost('10.255.255.254:8080', '127.0.0.1', 8080)).toBe(false);
  });
});

describe('variables that resemble a setting', () => {
  const warnings = (env: NodeJS.ProcessEnv) => unknownVariableWarnings(env, SETTING_NAMES);

  it('counts edits', () => {
    expect(editDistance('EMQX_API_SECERT', 'EMQX_API_SECRET')).toBe(2);
    expect(editDistance('PORT', 'PORT')).toBe(0);
  });

  it('names the known setting a misspelling or a same-family name resembles', () => {
    expect(warnings({ EMQX_API_SECERT: 'x' })).toEqual(['EMQX_API_SECERT is not a setting of npm start and is ignored: did you mean EMQX_API_SECRET?']);
    expect(warnings({ BROKERMODE: 'none' })).toEqual(['BROKERMODE is not a setting of npm start and is ignored: did you mean BROKER_MODE?']);
    expect(warnings({ MQTT_HOST: '0.0.0.0' })).toEqual(['MQTT_HOST is not a setting of npm start and is ignored: did you mean MQTT_PORT?']);
    expect(warnings({ EMQX_API_CREDENTIALS_SECRET_ARN: 'arn:x' })[0]).toMatch(/^EMQX_API_CREDENTIALS_SECRET_ARN is not a setting of npm start/);
  });

  it('leaves known settings and other programs\' variables alone', () => {
    expect(warnings({ EMQX_API_SECRET: 'x', PORT: '1', HOME: '/root', PATH: '/bin', NODE_OPTIONS: '', AWS_PROFILE: 'p', SESSION_MANAGER: 'x', npm_config_cache: 'x' })).toEqual([]);
  });
});
