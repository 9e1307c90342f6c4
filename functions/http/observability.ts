/**
 * A function's logger and metrics buffer, configured by the Powertools
 * settings of the environment it is given (the Lambda's own, or a record the
 * local stack holds), so that two handlers in one process can differ.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The `service` of log lines and metrics when POWERTOOLS_SERVICE_NAME is unset. */
export const DEFAULT_SERVICE_NAME = 'clients-api';
/** The CloudWatch namespace when POWERTOOLS_METRICS_NAMESPACE is unset: the one the CDK stack sets by default. */
export const DEFAULT_METRICS_NAMESPACE = 'MqttClientsApi';

export type Observability = { logger: Logger; metrics: Metrics };

export type ObservabilityEnv = {
  POWERTOOLS_SERVICE_NAME?: string | undefined;
  POWERTOOLS_METRICS_NAMESPACE?: string | undefined;
  POWERTOOLS_LOG_LEVEL?: string | undefined;
  POWERTOOLS_METRICS_DISABLED?: string | undefined;
};

type LogLevel = NonNullable<ConstructorParameters<typeof Logger>[0]>['logLevel'];

/**
 * Metrics kept and cleared but never written. Powertools reads
 * POWERTOOLS_METRICS_DISABLED from `process.env` only; this honours it from
 * the environment given.
 */
class UnpublishedMetrics extends Metrics {
  override publishStoredMetrics(): this {
    this.clearMetrics();
    this.clearDimensions();
    return this;
  }
}

const isTrue = (value: string | undefined) => value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());

export function observability(env: ObservabilityEnv): Observability {
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME;
  const logLevel = env.POWERTOOLS_LOG_LEVEL as LogLevel;
  const options = { namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE, serviceName };
  return {
    logger: new Logger({ serviceName, ...(logLevel ? { logLevel } : {}) }),
    metrics: isTrue(env.POWERTOOLS_METRICS_DISABLED) ? new UnpublishedMetrics(options) : new Metrics(options),
  };
}

/** Writes an EMF line only when something was counted: a quiet invocation writes nothing. */
export function publishAddedMetrics(metrics: Metrics | undefined): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}
