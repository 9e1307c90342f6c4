/** One logger and one metrics buffer per function instance, configured by the Powertools environment. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'clients-api' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ClientsApi',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'clients-api',
});
