/**
 * Configuration from the environment, read once per cold start. A missing or
 * malformed value stops the function at load time with a message naming it,
 * rather than failing requests one by one. Each function's contract (schema,
 * loader, and the builder of its variables a deployment uses) lives in
 * config/<function>.ts; each schema is built when its loader runs, so a
 * function builds only its own (zod builds are most of a handler's load time).
 */
export { SETTING_RANGES, type IntRange, type RangedSetting } from './config/ranges.js';
export type { Environment } from './config/schema.js';
export { loadTableConfig, tableEnvironment, type TableConfig, type TableSettings } from './config/table.js';
export { listEnvironment, loadListConfig, type ListConfig, type ListSettings } from './config/list.js';
export {
  getEnvironment,
  liveStatisticsAlong,
  loadGetConfig,
  type GetConfig,
  type GetSettings,
  type LiveStatisticsConfig,
  type LiveStatisticsSettings,
} from './config/get.js';
export { emqxApiEnvironment, type EmqxApiConfig, type EmqxApiSettings } from './config/emqx-api.js';
export {
  KICK_VIAS,
  kickEnvironment,
  loadKickConfig,
  type ControlConfig,
  type ControlSettings,
  type KickConfig,
  type KickPath,
  type KickSettings,
  type KickVia,
} from './config/kick.js';
export { iotDataEndpointUrl } from './config/iot-data-endpoint.js';
export { ingestTokenEnvironment, type IngestTokenConfig, type IngestTokenSettings } from './config/ingest-token.js';
export { emqxIngestEnvironment, loadEmqxIngestConfig, type EmqxIngestConfig, type EmqxIngestSettings } from './config/emqx-ingest.js';
export {
  awsIotIngestEnvironment,
  loadAwsIotIngestConfig,
  AWS_IOT_DELIVERIES,
  type AwsIotDelivery,
  type AwsIotIngestConfig,
  type AwsIotIngestSettings,
} from './config/aws-iot-ingest.js';
export { loadReconcileConfig, reconcileEnvironment, type ReconcileConfig, type ReconcileSettings } from './config/reconcile.js';
export { appsEnvironment, loadAppsConfig, type AppsConfig, type AppsSettings } from './config/apps.js';
