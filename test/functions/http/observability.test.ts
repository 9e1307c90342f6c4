/** The functions' logger and metrics, configured from the environment each is given rather than from the process's. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, observability } from '../../../functions/http/observability.js';
import { CLIENTS_API_DEFAULTS } from '../../../infra/aws/clients-api.js';

/** The EMF lines a publish writes to stdout. */
function published(publish: () => void): Array<Record<string, unknown>> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    publish();
    return write.mock.calls.map(([chunk]) => String(chunk)).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
  } finally {
    write.mockRestore();
  }
}

const namespaceOf = (line: Record<string, unknown>) => (line._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]!.Namespace;

beforeEach(() => {
  // The process's own settings must not count: only the environment given does.
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'from-the-process');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'FromTheProcess');
  // Powertools itself reads these two from the process: unset, metrics are published.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('observability', () => {
  it('defaults to the service name and namespace the CDK stack sets', () => {
    expect(DEFAULT_SERVICE_NAME).toBe(CLIENTS_API_DEFAULTS.serviceName);
    expect(DEFAULT_METRICS_NAMESPACE).toBe(CLIENTS_API_DEFAULTS.metricsNamespace);
    const { metrics } = observability({});
    metrics.addMetric('Success', MetricUnit.Count, 1);
    const [line] = published(() => metrics.publishStoredMetrics());
    expect(namespaceOf(line!)).toBe(DEFAULT_METRICS_NAMESPACE);
    expect(line!.service).toBe(DEFAULT_SERVICE_NAME);
  });

  it('takes the service name, namespace and log level of the environment it is given', () => {
    const { logger, metrics } = observability({ POWERTOOLS_SERVICE_NAME: 'fleet-a', POWERTOOLS_METRICS_NAMESPACE: 'FleetA', POWERTOOLS_LOG_LEVEL: 'ERROR' });
    expect(logger.getLevelName()).toBe('ERROR');
    metrics.addMetric('Success', MetricUnit.Count, 1);
    const [line] = published(() => metrics.publishStoredMetrics());
    expect(namespaceOf(line!)).toBe('FleetA');
    expect(line!.service).toBe('fleet-a');
  });

  it('publishes nothing when the environment given disables metrics, and clears what was stored', () => {
    const { metrics } = observability({ POWERTOOLS_METRICS_DISABLED: 'true' });
    metrics.addMetric('Success', MetricUnit.Count, 1);
    expect(published(() => metrics.publishStoredMetrics())).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});
