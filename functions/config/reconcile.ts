/** The scheduled reconciliation with an EMQX cluster's client list (reconcile-sessions.ts). */
import * as z from '../validation/zod.js';
import { emqxApiConfig, emqxApiEnvironment, emqxApiFields, requireEmqxApi, type EmqxApiConfig, type EmqxApiSettings } from './emqx-api.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

const reconcileSchema = () =>
  z
    .extend(tableSchema(), {
      RECONCILE_SOURCE: z.enum(['emqx5', 'emqx4']),
      ...emqxApiFields(),
      RECONCILE_PAGE_SIZE: intSetting('RECONCILE_PAGE_SIZE', 1_000),
      RECONCILE_MAX_SESSIONS: intSetting('RECONCILE_MAX_SESSIONS', 1_000_000),
      RECONCILE_DRIFT_MINUTES: intSetting('RECONCILE_DRIFT_MINUTES', DEFAULT_DRIFT_MINUTES),
    })
    .check(z.superRefine((c, ctx) => requireEmqxApi(c, ctx, 'for reconciliation')));

/**
 * Minutes between the full runs that look for lost events; the runs between
 * keep the listed fields current only (functions/reconcile/handler.ts).
 */
export const DEFAULT_DRIFT_MINUTES = 30;

export type ReconcileConfig = TableConfig & { emqx: EmqxApiConfig; pageSize: number; maxSessions: number; driftMinutes: number };

export function loadReconcileConfig(env: NodeJS.ProcessEnv = process.env): ReconcileConfig {
  const c = parse(reconcileSchema(), env);
  return {
    ...tableConfigOf(c),
    emqx: emqxApiConfig(c.RECONCILE_SOURCE === 'emqx5' ? 'v5' : 'v4', c),
    pageSize: c.RECONCILE_PAGE_SIZE,
    maxSessions: c.RECONCILE_MAX_SESSIONS,
    driftMinutes: c.RECONCILE_DRIFT_MINUTES,
  };
}

export type ReconcileSettings = TableSettings & {
  readonly source: 'emqx5' | 'emqx4';
  readonly emqx: EmqxApiSettings;
  /** @default 1000 (the function's) */
  readonly pageSize?: number;
  /** @default 1000000 (the function's) */
  readonly maxSessions?: number;
  /** @default DEFAULT_DRIFT_MINUTES (the function's); 0 makes every run full */
  readonly driftMinutes?: number;
};

export function reconcileEnvironment(s: ReconcileSettings): Environment {
  return {
    ...tableEnvironment(s),
    RECONCILE_SOURCE: s.source,
    ...emqxApiEnvironment(s.emqx),
    ...optionalVariable('RECONCILE_PAGE_SIZE', s.pageSize),
    ...optionalVariable('RECONCILE_MAX_SESSIONS', s.maxSessions),
    ...optionalVariable('RECONCILE_DRIFT_MINUTES', s.driftMinutes),
  };
}
