/**
 * GET of one client (get-client.ts): the table, and where the broker's live
 * counters of a shown client are read (an EMQX cluster's REST API), if anywhere.
 */
import * as z from '../validation/zod.js';
import { emqxApiConfig, emqxApiEnvironment, emqxApiFields, requireEmqxApi, type EmqxApiConfig, type EmqxApiSettings } from './emqx-api.js';
import type { KickPath } from './kick.js';
import { intSetting, optionalVariable, parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

const getSchema = () =>
  z
    .extend(tableSchema(), {
      LIVE_STATISTICS_FROM: z.optional(z.enum(['emqx5', 'emqx4'])),
      ...emqxApiFields(),
      LIVE_STATISTICS_TIMEOUT_MS: intSetting('LIVE_STATISTICS_TIMEOUT_MS', 1_000),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (c.LIVE_STATISTICS_FROM) requireEmqxApi(c, ctx, `when LIVE_STATISTICS_FROM is ${c.LIVE_STATISTICS_FROM}`);
      }),
    );

/** The EMQX API a shown client's counters are read from; `timeoutMs` is LIVE_STATISTICS_TIMEOUT_MS. */
export type LiveStatisticsConfig = EmqxApiConfig;

export type GetConfig = TableConfig & {
  /** Unset: every client is shown from the table alone. */
  liveStatistics?: LiveStatisticsConfig | undefined;
};

export function loadGetConfig(env: NodeJS.ProcessEnv = process.env): GetConfig {
  const c = parse(getSchema(), env);
  const from = c.LIVE_STATISTICS_FROM;
  return {
    ...tableConfigOf(c),
    liveStatistics: from ? { ...emqxApiConfig(from === 'emqx5' ? 'v5' : 'v4', c), timeoutMs: c.LIVE_STATISTICS_TIMEOUT_MS } : undefined,
  };
}

/** An EMQX cluster whose REST API answers `GET /api/{v5,v4}/clients/{clientid}`. */
export type LiveStatisticsSettings = {
  readonly from: 'emqx5' | 'emqx4';
  /** Its `timeoutMs` is not used: the read has its own bound. */
  readonly emqx: EmqxApiSettings;
  /** LIVE_STATISTICS_TIMEOUT_MS. @default 1000 (the function's) */
  readonly timeoutMs?: number;
};

export type GetSettings = TableSettings & { readonly liveStatistics?: LiveStatisticsSettings | undefined };

export function getEnvironment(s: GetSettings): Environment {
  const live = s.liveStatistics;
  if (!live) return tableEnvironment(s);
  const { timeoutMs: _brokerTimeout, ...api } = live.emqx;
  return {
    ...tableEnvironment(s),
    LIVE_STATISTICS_FROM: live.from,
    ...emqxApiEnvironment(api),
    ...optionalVariable('LIVE_STATISTICS_TIMEOUT_MS', live.timeoutMs),
  };
}

/** Live statistics wherever kicks go through an EMQX REST API: the same API and credentials; none for other brokers. */
export function liveStatisticsAlong(path: KickPath): LiveStatisticsSettings | undefined {
  return path.via === 'emqx5' || path.via === 'emqx4' ? { from: path.via, emqx: path.emqx } : undefined;
}
