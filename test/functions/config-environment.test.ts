/**
 * Each function's environment builder writes what its loader reads: settings
 * in, variables out, the same settings back. And the shared ranges are the
 * ones the loaders enforce, at both ends.
 */
import { describe, expect, it } from 'vitest';
import {
  appsEnvironment,
  awsIotIngestEnvironment,
  emqxIngestEnvironment,
  getEnvironment,
  kickEnvironment,
  listEnvironment,
  loadAppsConfig,
  loadAwsIotIngestConfig,
  loadEmqxIngestConfig,
  loadGetConfig,
  loadKickConfig,
  loadListConfig,
  loadReconcileConfig,
  loadTableConfig,
  reconcileEnvironment,
  SETTING_RANGES,
  tableEnvironment,
  type RangedSetting,
} from '../../functions/config.js';

const REGION = { AWS_REGION: 'eu-west-1' };
const TABLE = { tableName: 'sessions', shards: 16 };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf';

describe('environment builders round-trip through the loaders', () => {
  it('table', () => {
    const config = loadTableConfig({ ...REGION, ...tableEnvironment({ ...TABLE, endpoint: 'http://localhost:8000' }) });
    expect(config).toEqual({ tableName: 'sessions', shards: 16, endpoint: 'http://localhost:8000', region: 'eu-west-1' });
  });

  it('list', () => {
    const config = loadListConfig({ ...REGION, ...listEnvironment({ ...TABLE, cursorSecret: 'c'.repeat(16), listBudgetMs: 500 }) });
    expect(config).toMatchObject({ tableName: 'sessions', shards: 16, cursorSecret: 'c'.repeat(16), listBudgetMs: 500 });
  });

  it('get, without live statistics', () => {
    const env = getEnvironment(TABLE);
    expect(Object.keys(env).sort()).toEqual(['SESSION_SHARDS', 'TABLE_NAME']);
    expect(loadGetConfig({ ...REGION, ...env }).liveStatistics).toBeUndefined();
  });

  it('get, with live statistics from EMQX: its own time bound, not the broker timeout of kicks', () => {
    const env = getEnvironment({
      ...TABLE,
      liveStatistics: { from: 'emqx5', emqx: { baseUrl: 'https://emqx:18083/', credentialsSecretArn: SECRET_ARN, timeoutMs: 3000 }, timeoutMs: 800 },
    });
    expect(env.BROKER_TIMEOUT_MS).toBeUndefined();
    expect(loadGetConfig({ ...REGION, ...env }).liveStatistics).toEqual({
      dialect: 'v5',
      baseUrl: 'https://emqx:18083',
      key: undefined,
      secret: undefined,
      credentialsSecretArn: SECRET_ARN,
      timeoutMs: 800,
      region: 'eu-west-1',
    });
    const byDefault = getEnvironment({ ...TABLE, liveStatistics: { from: 'emqx4', emqx: { baseUrl: 'https://e', key: 'k', secret: 's' } } });
    expect(loadGetConfig({ ...REGION, ...byDefault }).liveStatistics).toMatchObject({ dialect: 'v4', timeoutMs: 1000 });
  });

  it('get refuses live statistics without the EMQX API to read them from, or from an unknown source', () => {
    expect(() => loadGetConfig({ TABLE_NAME: 'sessions', LIVE_STATISTICS_FROM: 'emqx5' })).toThrow(/EMQX_API_URL: required when LIVE_STATISTICS_FROM is emqx5/);
    expect(() => loadGetConfig({ TABLE_NAME: 'sessions', LIVE_STATISTICS_FROM: 'aws-iot' })).toThrow(/LIVE_STATISTICS_FROM/);
    expect(() => loadGetConfig({ TABLE_NAME: 'sessions', LIVE_STATISTICS_TIMEOUT_MS: 'soon' })).toThrow(/LIVE_STATISTICS_TIMEOUT_MS/);
  });

  it('kick over MQTT', () => {
    const env = kickEnvironment({
      ...TABLE,
      confirmTimeoutMs: 4000,
      path: { via: 'mqtt', control: { brokerUrl: 'mqtts://b:8883', credentialsSecretArn: SECRET_ARN, topicPrefix: 'ops/ctl', pubackTimeoutMs: 900 } },
    });
    const config = loadKickConfig({ ...REGION, ...env });
    expect(config.via).toBe('mqtt');
    expect(config.confirmTimeoutMs).toBe(4000);
    expect(config.control).toMatchObject({ brokerUrl: 'mqtts://b:8883', credentialsSecretArn: SECRET_ARN, topicPrefix: 'ops/ctl', pubackTimeoutMs: 900 });
  });

  it('kick through the EMQX API, with fixed credentials', () => {
    const env = kickEnvironment({ ...TABLE, path: { via: 'emqx4', emqx: { baseUrl: 'https://emqx:18083/', key: 'k', secret: 's', timeoutMs: 700 } } });
    const config = loadKickConfig({ ...REGION, ...env });
    expect(config.via).toBe('emqx4');
    expect(config.emqx).toEqual({ dialect: 'v4', baseUrl: 'https://emqx:18083', key: 'k', secret: 's', credentialsSecretArn: undefined, timeoutMs: 700, region: 'eu-west-1' });
  });

  it('kick through AWS IoT', () => {
    const env = kickEnvironment({ ...TABLE, path: { via: 'aws-iot', brokerTimeoutMs: 1500, iotDataEndpoint: 'https://a-ats.iot.eu-west-1.amazonaws.com' } });
    const config = loadKickConfig({ ...REGION, ...env });
    expect(config).toMatchObject({ via: 'aws-iot', brokerTimeoutMs: 1500, iotDataEndpoint: 'https://a-ats.iot.eu-west-1.amazonaws.com' });
  });

  it('EMQX ingest', () => {
    const config = loadEmqxIngestConfig({ ...REGION, ...emqxIngestEnvironment({ ...TABLE, ingestToken: { tokenSecretArn: SECRET_ARN } }) });
    expect(config.ingestToken).toEqual({ token: undefined, tokenSecretArn: SECRET_ARN, region: 'eu-west-1' });
  });

  it('AWS IoT ingest', () => {
    const env = awsIotIngestEnvironment({ ...TABLE, node: 'iot-a', sessionExpirySeconds: 120, persistentSessions: true });
    expect(loadAwsIotIngestConfig({ ...REGION, ...env })).toMatchObject({ node: 'iot-a', sessionExpirySeconds: 120, persistentSessions: true, ingestToken: undefined });
  });

  it('reconcile', () => {
    const env = reconcileEnvironment({ ...TABLE, source: 'emqx5', emqx: { baseUrl: 'https://emqx:18083', credentialsSecretArn: SECRET_ARN }, pageSize: 50, maxSessions: 99 });
    const config = loadReconcileConfig({ ...REGION, ...env });
    expect(config).toMatchObject({ pageSize: 50, maxSessions: 99, emqx: { dialect: 'v5', credentialsSecretArn: SECRET_ARN, timeoutMs: 3000 } });
  });

  it('apps', () => {
    expect(loadAppsConfig({ ...REGION, ...appsEnvironment({ appsTableName: 'apps', cacheTtlMs: 10_000 }) })).toEqual({
      appsTableName: 'apps',
      endpoint: undefined,
      region: 'eu-west-1',
      cacheTtlMs: 10_000,
    });
  });

  it('leave a setting unset when it is not given, so the function default applies', () => {
    expect(Object.keys(listEnvironment({ ...TABLE, cursorSecret: 'c'.repeat(16) })).sort()).toEqual(['CURSOR_SECRET', 'SESSION_SHARDS', 'TABLE_NAME']);
  });
});

/** A minimal environment of a loader that reads `setting`, with `setting` set to `value`. */
const LOADER_OF: Record<RangedSetting, (value: number) => unknown> = {
  SESSION_SHARDS: (v) => loadTableConfig({ TABLE_NAME: 'sessions', SESSION_SHARDS: String(v) }),
  LIST_BUDGET_MS: (v) => loadListConfig({ TABLE_NAME: 'sessions', CURSOR_SECRET: 'c'.repeat(16), LIST_BUDGET_MS: String(v) }),
  LIVE_STATISTICS_TIMEOUT_MS: (v) =>
    loadGetConfig({ TABLE_NAME: 'sessions', LIVE_STATISTICS_FROM: 'emqx4', EMQX_API_URL: 'https://e', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's', LIVE_STATISTICS_TIMEOUT_MS: String(v) }),
  BROKER_TIMEOUT_MS: (v) => loadKickConfig({ TABLE_NAME: 'sessions', KICK_VIA: 'aws-iot', BROKER_TIMEOUT_MS: String(v) }),
  CONTROL_PUBACK_TIMEOUT_MS: (v) => loadKickConfig({ TABLE_NAME: 'sessions', CONTROL_BROKER_URL: 'mqtt://b', CONTROL_PUBACK_TIMEOUT_MS: String(v) }),
  KICK_CONFIRM_TIMEOUT_MS: (v) => loadKickConfig({ TABLE_NAME: 'sessions', CONTROL_BROKER_URL: 'mqtt://b', KICK_CONFIRM_TIMEOUT_MS: String(v) }),
  AWS_IOT_SESSION_EXPIRY_SECONDS: (v) => loadAwsIotIngestConfig({ TABLE_NAME: 'sessions', AWS_IOT_SESSION_EXPIRY_SECONDS: String(v) }),
  RECONCILE_PAGE_SIZE: (v) =>
    loadReconcileConfig({ TABLE_NAME: 'sessions', RECONCILE_SOURCE: 'emqx5', EMQX_API_URL: 'https://e', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's', RECONCILE_PAGE_SIZE: String(v) }),
  RECONCILE_MAX_SESSIONS: (v) =>
    loadReconcileConfig({ TABLE_NAME: 'sessions', RECONCILE_SOURCE: 'emqx5', EMQX_API_URL: 'https://e', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's', RECONCILE_MAX_SESSIONS: String(v) }),
  RECONCILE_DRIFT_MINUTES: (v) =>
    loadReconcileConfig({ TABLE_NAME: 'sessions', RECONCILE_SOURCE: 'emqx5', EMQX_API_URL: 'https://e', EMQX_API_KEY: 'k', EMQX_API_SECRET: 's', RECONCILE_DRIFT_MINUTES: String(v) }),
  APP_CACHE_TTL_MS: (v) => loadAppsConfig({ APPS_TABLE_NAME: 'apps', APP_CACHE_TTL_MS: String(v) }),
};

describe.each(Object.entries(SETTING_RANGES) as [RangedSetting, { min: number; max?: number }][])('the range of %s', (setting, range) => {
  it('is what its loader accepts', () => {
    expect(() => LOADER_OF[setting](range.min)).not.toThrow();
    expect(() => LOADER_OF[setting](range.min - 1)).toThrow(new RegExp(`${setting}: Too small`));
    if (range.max !== undefined) {
      expect(() => LOADER_OF[setting](range.max!)).not.toThrow();
      expect(() => LOADER_OF[setting](range.max! + 1)).toThrow(new RegExp(`${setting}: Too big`));
    }
  });
});
