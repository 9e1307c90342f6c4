/**
 * Checks {@link ClientsApiProps} up front and fills in the defaults: a value
 * the functions would reject at their first cold start fails the synth
 * instead. The integer ranges are the functions' own (functions/config/ranges.ts).
 */
import { Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { iotDataEndpointUrl, SETTING_RANGES, type IntRange } from '../../functions/config.js';
import type { BrokerSource, ClientsApiMonitoring, ClientsApiProps, ClientsApiThrottle } from './clients-api-props.js';
import {
  APP_CREDENTIALS_CACHE_RANGE,
  CLIENTS_API_DEFAULTS,
  defaultLogRetention,
  KICK_TIMEOUT_MARGIN_SECONDS,
  LAMBDA_MEMORY_RANGE,
  MAX_API_FUNCTION_TIMEOUT_SECONDS,
  THROTTLE_RANGE,
  MONITORING_DEFAULTS,
} from './defaults.js';
import { fleetSizing, type FleetSizing } from './fleet-sizing.js';
import type { PowertoolsSettings } from './team-function.js';

/** The props once checked, with every default applied. */
export interface CheckedClientsApiProps {
  readonly broker: BrokerSource;
  readonly sessionShards: number;
  /** What the fleet size and the shards set: queue consumers, the table's warm throughput. */
  readonly fleet: FleetSizing;
  readonly kickConfirmTimeoutMs: number;
  readonly brokerTimeoutMs: number;
  /** The kick function's limit: the confirm wait, the broker call and a margin. */
  readonly kickTimeoutSeconds: number;
  readonly memorySize: number;
  readonly throttle: ClientsApiThrottle;
  readonly ingestThrottle: ClientsApiThrottle;
  readonly logRetention: logs.RetentionDays;
  readonly powertools: PowertoolsSettings;
  readonly appCredentialsCacheSeconds: number;
  readonly monitoring: CheckedMonitoring;
}

/** The monitoring props with their thresholds filled in. */
export type CheckedMonitoring = Pick<ClientsApiMonitoring, 'alarmTopic' | 'alarmEmail'> &
  Required<Omit<ClientsApiMonitoring, 'alarmTopic' | 'alarmEmail'>>;

function integerIn(value: number, name: string, { min, max }: IntRange): number {
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    throw new Error(`${name} must be an integer from ${min} to ${max ?? 'any'}, got ${value}`);
  }
  return value;
}

/** A throttle in whole requests, within what API Gateway takes. */
function checkThrottle(throttle: ClientsApiThrottle, name: string): ClientsApiThrottle {
  return {
    rateLimit: integerIn(throttle.rateLimit, `${name}.rateLimit`, THROTTLE_RANGE.rateLimit),
    burstLimit: integerIn(throttle.burstLimit, `${name}.burstLimit`, THROTTLE_RANGE.burstLimit),
  };
}

/** The props' broker, or the MQTT broker of the `controlBrokerUrl` shorthand. */
function brokerOf(props: ClientsApiProps): BrokerSource {
  if (props.broker && props.controlBrokerUrl) throw new Error('Give broker or controlBrokerUrl, not both');
  if (!props.broker && !props.controlBrokerUrl) throw new Error('ClientsApi needs broker (or controlBrokerUrl for an MQTT control channel)');
  return (
    props.broker ?? {
      kind: 'mqtt',
      url: props.controlBrokerUrl!,
      ...(props.controlCredentialsSecret ? { credentialsSecret: props.controlCredentialsSecret } : {}),
      ...(props.controlCredentialsSecretArn ? { credentialsSecretArn: props.controlCredentialsSecretArn } : {}),
      ...(props.controlTopicPrefix ? { topicPrefix: props.controlTopicPrefix } : {}),
    }
  );
}

function checkBrokerUrls(broker: BrokerSource): void {
  if (broker.kind === 'mqtt' && !Token.isUnresolved(broker.url) && !/^(mqtts?|wss?|tcp|ssl):\/\/[^/\s]+/.test(broker.url)) {
    throw new Error(`controlBrokerUrl must be an mqtt://, mqtts://, ws://, wss://, tcp:// or ssl:// URL, got "${broker.url}"`);
  }
  if ((broker.kind === 'emqx5' || broker.kind === 'emqx4') && !Token.isUnresolved(broker.apiUrl) && !/^https?:\/\/[^/\s]+/.test(broker.apiUrl)) {
    throw new Error(`apiUrl must be an http:// or https:// URL, got "${broker.apiUrl}"`);
  }
  if ((broker.kind === 'emqx5' || broker.kind === 'emqx4') && broker.reconcileDriftInterval !== undefined) {
    integerIn(broker.reconcileDriftInterval.toMinutes({ integral: false }), 'reconcileDriftInterval (minutes)', SETTING_RANGES.RECONCILE_DRIFT_MINUTES);
  }
  if (broker.kind === 'aws-iot' && broker.sessionExpirySeconds !== undefined) {
    integerIn(broker.sessionExpirySeconds, 'sessionExpirySeconds', SETTING_RANGES.AWS_IOT_SESSION_EXPIRY_SECONDS);
  }
}

/**
 * The AWS IoT data endpoint as the kick function's URL: the host `aws iot
 * describe-endpoint` prints becomes `https://host`; anything but a host or an
 * https URL fails here rather than at every kick.
 */
function withIotDataEndpointUrl(broker: BrokerSource): BrokerSource {
  if (broker.kind !== 'aws-iot' || broker.iotDataEndpoint === undefined || Token.isUnresolved(broker.iotDataEndpoint)) return broker;
  const url = iotDataEndpointUrl(broker.iotDataEndpoint, ['https']);
  if (!url) {
    throw new Error(
      `iotDataEndpoint must be the host aws iot describe-endpoint --endpoint-type iot:Data-ATS prints (abc123-ats.iot.eu-west-1.amazonaws.com) or an https:// URL of it, got "${broker.iotDataEndpoint}"`,
    );
  }
  return { ...broker, iotDataEndpoint: url };
}

function checkMonitoring(props: ClientsApiMonitoring = {}): CheckedMonitoring {
  if (props.alarmTopic && props.alarmEmail) throw new Error('Give monitoring.alarmTopic or monitoring.alarmEmail, not both: subscribe the address to your own topic');
  if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    throw new Error(`monitoring.alarmEmail must be an e-mail address, got "${props.alarmEmail}"`);
  }
  const positive = (value: number, name: string, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`monitoring.${name} must be a number above 0 and at most ${max}, got ${value}`);
    return value;
  };
  return {
    ...props,
    reconcileDriftThreshold: integerIn(props.reconcileDriftThreshold ?? MONITORING_DEFAULTS.reconcileDriftThreshold, 'monitoring.reconcileDriftThreshold', { min: 1 }),
    apiServerErrorRatePercent: positive(props.apiServerErrorRatePercent ?? MONITORING_DEFAULTS.apiServerErrorRatePercent, 'apiServerErrorRatePercent', 100),
    apiP99LatencyMs: positive(props.apiP99LatencyMs ?? MONITORING_DEFAULTS.apiP99LatencyMs, 'apiP99LatencyMs'),
    ingestClientErrorRatePercent: positive(props.ingestClientErrorRatePercent ?? MONITORING_DEFAULTS.ingestClientErrorRatePercent, 'ingestClientErrorRatePercent', 100),
  };
}

export function checkClientsApiProps(props: ClientsApiProps): CheckedClientsApiProps {
  const fleetSize = integerIn(props.fleetSize ?? CLIENTS_API_DEFAULTS.fleetSize, 'fleetSize', { min: 1 });
  const sessionShards = integerIn(props.sessionShards ?? fleetSizing(fleetSize).shards, 'sessionShards', SETTING_RANGES.SESSION_SHARDS);
  const throttle = checkThrottle(props.throttle ?? CLIENTS_API_DEFAULTS.throttle, 'throttle');
  // Given shards bound what the table takes: the ingest limits follow them,
  // and leave the admin routes their throttle of API Gateway's account limit.
  const fleet = fleetSizing(fleetSize, { shards: sessionShards, adminRequestsPerSecond: throttle.rateLimit });
  // The kick function must outlive its confirm wait, and API Gateway ends
  // an HTTP API integration after 30 s.
  const kickConfirmTimeoutMs = integerIn(props.kickConfirmTimeoutMs ?? CLIENTS_API_DEFAULTS.kickConfirmTimeoutMs, 'kickConfirmTimeoutMs', {
    min: SETTING_RANGES.KICK_CONFIRM_TIMEOUT_MS.min,
    max: Math.min(SETTING_RANGES.KICK_CONFIRM_TIMEOUT_MS.max, (MAX_API_FUNCTION_TIMEOUT_SECONDS - KICK_TIMEOUT_MARGIN_SECONDS) * 1000),
  });
  const brokerTimeoutMs = integerIn(props.brokerTimeoutMs ?? CLIENTS_API_DEFAULTS.brokerTimeoutMs, 'brokerTimeoutMs', SETTING_RANGES.BROKER_TIMEOUT_MS);
  const memorySize = integerIn(props.memorySize ?? CLIENTS_API_DEFAULTS.memorySize, 'memorySize', LAMBDA_MEMORY_RANGE);
  const broker = withIotDataEndpointUrl(brokerOf(props));
  // The kick must outlive the call to the broker and the confirm wait; API Gateway ends it at 30 s.
  // The margin holds a broker call of up to the default 3 s; a longer one extends the limit.
  const kickTimeoutSeconds =
    Math.ceil(kickConfirmTimeoutMs / 1000) +
    KICK_TIMEOUT_MARGIN_SECONDS +
    Math.max(0, Math.ceil((brokerTimeoutMs - CLIENTS_API_DEFAULTS.brokerTimeoutMs) / 1000));
  if (kickTimeoutSeconds > MAX_API_FUNCTION_TIMEOUT_SECONDS) {
    throw new Error(`kickConfirmTimeoutMs + brokerTimeoutMs must leave the kick function within ${MAX_API_FUNCTION_TIMEOUT_SECONDS} s`);
  }
  checkBrokerUrls(broker);
  const appCredentialsCacheSeconds = integerIn(
    props.appCredentialsCacheSeconds ?? CLIENTS_API_DEFAULTS.appCredentialsCacheSeconds,
    'appCredentialsCacheSeconds',
    APP_CREDENTIALS_CACHE_RANGE,
  );
  return {
    broker,
    sessionShards,
    fleet,
    kickConfirmTimeoutMs,
    brokerTimeoutMs,
    kickTimeoutSeconds,
    memorySize,
    throttle,
    ingestThrottle: checkThrottle(props.ingestThrottle ?? fleet.ingestThrottle, 'ingestThrottle'),
    logRetention: props.logRetention ?? defaultLogRetention(),
    powertools: {
      serviceName: props.serviceName ?? CLIENTS_API_DEFAULTS.serviceName,
      metricsNamespace: props.metricsNamespace ?? CLIENTS_API_DEFAULTS.metricsNamespace,
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
    },
    appCredentialsCacheSeconds,
    monitoring: checkMonitoring(props.monitoring),
  };
}
