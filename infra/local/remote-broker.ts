/**
 * `BROKER_MODE=none`: the local API in front of a broker of the user's own
 * (an EMQX cluster, AWS IoT, or any broker with our control channel). Kicks
 * go where `KICK_VIA` says, read from the same variables the deployed kick
 * function reads; with an EMQX cluster the reconciliation runs here on a
 * timer, as the deployed stack's scheduled function does.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  kickEnvironment,
  loadKickConfig,
  loadReconcileConfig,
  reconcileEnvironment,
  type Environment,
  type KickPath,
  type TableSettings,
} from '../../functions/config.js';
import { observability } from '../../functions/http/observability.js';
import { reconcileDepsOf } from '../../functions/reconcile/deps.js';
import { reconcileHandler } from '../../functions/reconcile/handler.js';
import type { LocalLog } from './log.js';

/** What `npm start` reads for a broker of one's own, under the deployed functions' names. */
export type RemoteBrokerVariables = {
  KICK_VIA?: string | undefined;
  EMQX_API_URL?: string | undefined;
  EMQX_API_KEY?: string | undefined;
  EMQX_API_SECRET?: string | undefined;
  IOT_DATA_ENDPOINT?: string | undefined;
  CONTROL_BROKER_URL?: string | undefined;
  CONTROL_USERNAME?: string | undefined;
  CONTROL_PASSWORD?: string | undefined;
  CONTROL_TOPIC_PREFIX?: string | undefined;
  AWS_REGION?: string | undefined;
};

/** A broker of one's own: how kicks reach it, and the region its AWS calls (AWS IoT) go to. */
export type RemoteBroker = { kick: KickPath; region: string };

/** The variables that point the API at a broker of one's own; with a built-in broker they would be ignored. */
export const REMOTE_BROKER_VARIABLES = ['KICK_VIA', 'EMQX_API_URL', 'EMQX_API_KEY', 'EMQX_API_SECRET', 'IOT_DATA_ENDPOINT', 'CONTROL_BROKER_URL'] as const;

function kickPathOf(v: RemoteBrokerVariables): KickPath {
  switch (v.KICK_VIA) {
    case 'emqx5':
    case 'emqx4':
      return {
        via: v.KICK_VIA,
        emqx: { baseUrl: v.EMQX_API_URL ?? '', ...(v.EMQX_API_KEY ? { key: v.EMQX_API_KEY } : {}), ...(v.EMQX_API_SECRET ? { secret: v.EMQX_API_SECRET } : {}) },
      };
    case 'aws-iot':
      return { via: 'aws-iot', ...(v.IOT_DATA_ENDPOINT ? { iotDataEndpoint: v.IOT_DATA_ENDPOINT } : {}) };
    case 'mqtt':
      return {
        via: 'mqtt',
        control: {
          brokerUrl: v.CONTROL_BROKER_URL ?? '',
          ...(v.CONTROL_USERNAME ? { username: v.CONTROL_USERNAME } : {}),
          ...(v.CONTROL_PASSWORD ? { password: v.CONTROL_PASSWORD } : {}),
          ...(v.CONTROL_TOPIC_PREFIX ? { topicPrefix: v.CONTROL_TOPIC_PREFIX } : {}),
        },
      };
    default:
      throw new Error(
        `BROKER_MODE=none needs KICK_VIA (emqx5, emqx4, aws-iot or mqtt) to say where kicks go${v.KICK_VIA ? `, got KICK_VIA=${v.KICK_VIA}` : ''}`,
      );
  }
}

/**
 * The broker of `BROKER_MODE=none`, checked now by the kick function's own
 * configuration loader, so a missing variable stops `npm start` before
 * anything starts, in that loader's words.
 */
export function remoteBrokerOf(v: RemoteBrokerVariables, table: TableSettings): RemoteBroker {
  const kick = kickPathOf(v);
  const region = v.AWS_REGION ?? 'us-east-1';
  if (kick.via === 'aws-iot' && !v.AWS_REGION) throw new Error('KICK_VIA=aws-iot needs AWS_REGION, the region of the AWS IoT endpoint');
  try {
    loadKickConfig({ ...kickEnvironment({ ...table, path: kick }), AWS_REGION: region });
  } catch (error) {
    throw new Error(`BROKER_MODE=none with KICK_VIA=${kick.via}: ${(error as Error).message}`);
  }
  return { kick, region };
}

export type RemoteReconciliation = { stop(): Promise<void> };

/**
 * With an EMQX cluster, makes the table agree with the cluster's client list
 * every `intervalMs`, through the reconcile function's own handler, every run
 * a full one (reads cost nothing here, and lost events are repaired at once); AWS IoT
 * has no such list and a broker with our control channel reconciles itself.
 */
export function startRemoteReconciliation(options: {
  broker: RemoteBroker;
  table: TableSettings;
  db: DynamoDBDocumentClient;
  runtime: Environment;
  intervalMs: number;
  log: LocalLog;
}): RemoteReconciliation {
  const { kick } = options.broker;
  if (kick.via !== 'emqx5' && kick.via !== 'emqx4') return { stop: async () => undefined };
  const env = { ...options.runtime, AWS_REGION: options.broker.region, ...reconcileEnvironment({ ...options.table, source: kick.via, emqx: kick.emqx, driftMinutes: 0 }) };
  const handler = reconcileHandler(reconcileDepsOf(loadReconcileConfig(env), observability(options.runtime), options.db));
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= handler({}, { getRemainingTimeInMillis: () => options.intervalMs + 15_000 })
      .then(
        (report) => {
          const changed = report.ended + report.added + report.disconnected;
          if (changed > 0 || report.failed > 0) {
            options.log.info(`reconciled with ${kick.emqx.baseUrl}: ${report.ended} ended, ${report.added} added, ${report.disconnected} disconnected, ${report.failed} failed`);
          }
        },
        (error: unknown) => options.log.error(`reconciliation with ${kick.emqx.baseUrl} failed`, error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
