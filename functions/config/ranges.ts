/**
 * The integer settings' ranges, in one place: the schemas of the functions
 * check the environment against them, and the CDK construct checks its props
 * against them at synth time, so a value the construct accepts is one the
 * function starts with.
 */
export interface IntRange {
  readonly min: number;
  /** Absent: no upper bound. */
  readonly max?: number;
}

export const SETTING_RANGES = {
  SESSION_SHARDS: { min: 1, max: 256 },
  LIST_BUDGET_MS: { min: 100, max: 25_000 },
  BROKER_TIMEOUT_MS: { min: 100, max: 10_000 },
  LIVE_STATISTICS_TIMEOUT_MS: { min: 50, max: 5_000 },
  CONTROL_PUBACK_TIMEOUT_MS: { min: 100, max: 30_000 },
  KICK_CONFIRM_TIMEOUT_MS: { min: 0, max: 25_000 },
  AWS_IOT_SESSION_EXPIRY_SECONDS: { min: 0, max: 7 * 24 * 3600 },
  RECONCILE_PAGE_SIZE: { min: 1, max: 10_000 },
  RECONCILE_MAX_SESSIONS: { min: 1 },
  RECONCILE_DRIFT_MINUTES: { min: 0, max: 24 * 60 },
  APP_CACHE_TTL_MS: { min: 0, max: 3_600_000 },
} as const satisfies Record<string, IntRange>;

export type RangedSetting = keyof typeof SETTING_RANGES;
