/**
 * DELETE /clients/{clientid} (kick-client.ts): the table, and how the kick
 * reaches the broker (KICK_VIA): our MQTT control channel, an EMQX cluster's
 * REST API, or AWS IoT's DeleteConnection.
 */
import * as z from '../validation/zod.js';
import { iotDataEndpointUrl } from './iot-data-endpoint.js';
import { emqxApiConfig, emqxApiEnvironment, emqxApiFields, requireEmqxApi, type EmqxApiConfig, type EmqxApiSettings } from './emqx-api.js';
import { arn, intSetting, optionalVariable, parse, type Environment } from './schema.js';
import { tableConfigOf, tableEnvironment, tableSchema, type TableConfig, type TableSettings } from './table.js';

export const KICK_VIAS = ['mqtt', 'emqx5', 'emqx4', 'aws-iot'] as const;
export type KickVia = (typeof KICK_VIAS)[number];

const controlSchema = () =>
  z
    .extend(tableSchema(), {
      KICK_VIA: z._default(z.enum(KICK_VIAS), 'mqtt'),
      CONTROL_BROKER_URL: z.optional(
        z.string().check(z.regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'CONTROL_BROKER_URL must be an mqtt://, mqtts://, ws:// or wss:// URL')),
      ),
      CONTROL_CREDENTIALS_SECRET_ARN: z.optional(arn()),
      CONTROL_USERNAME: z.optional(z.string()),
      CONTROL_PASSWORD: z.optional(z.string()),
      CONTROL_TOPIC_PREFIX: z._default(
        z
          .string()
          .check(
            z.minLength(1),
            z.refine((p) => !p.startsWith('$') && !/[+#]/.test(p), 'CONTROL_TOPIC_PREFIX must not start with $ or hold wildcards'),
          ),
        'clients-api/control',
      ),
      CONTROL_PUBACK_TIMEOUT_MS: intSetting('CONTROL_PUBACK_TIMEOUT_MS', 2_000),
      KICK_CONFIRM_TIMEOUT_MS: intSetting('KICK_CONFIRM_TIMEOUT_MS', 3_000),
      ...emqxApiFields(),
      IOT_DATA_ENDPOINT: z.optional(
        z.pipe(
          z.string(),
          z.transform(
            (value: string, payload) =>
              iotDataEndpointUrl(value) ?? z.reject(payload, 'must be a host (as aws iot describe-endpoint prints it) or an https:// URL'),
          ),
        ),
      ),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (c.KICK_VIA === 'mqtt' && !c.CONTROL_BROKER_URL) {
          ctx.addIssue({ code: 'custom', path: ['CONTROL_BROKER_URL'], message: 'required when KICK_VIA is mqtt' });
        }
        if (c.KICK_VIA === 'emqx5' || c.KICK_VIA === 'emqx4') requireEmqxApi(c, ctx, `when KICK_VIA is ${c.KICK_VIA}`);
      }),
    );

export type ControlConfig = TableConfig & {
  brokerUrl: string;
  credentialsSecretArn: string | undefined;
  username: string | undefined;
  password: string | undefined;
  topicPrefix: string;
  pubackTimeoutMs: number;
  confirmTimeoutMs: number;
};

export type KickConfig = TableConfig & {
  via: KickVia;
  confirmTimeoutMs: number;
  /** Set when `via` is mqtt. */
  control: ControlConfig | undefined;
  /** Set when `via` is emqx5 or emqx4. */
  emqx: EmqxApiConfig | undefined;
  /** For `via` aws-iot: the IoT data endpoint as a URL, a bare host given as `https://host` (default: the SDK's for the region). */
  iotDataEndpoint: string | undefined;
  brokerTimeoutMs: number;
};

export function loadKickConfig(env: NodeJS.ProcessEnv = process.env): KickConfig {
  const c = parse(controlSchema(), env);
  const table = tableConfigOf(c);
  return {
    ...table,
    via: c.KICK_VIA,
    confirmTimeoutMs: c.KICK_CONFIRM_TIMEOUT_MS,
    control:
      c.KICK_VIA === 'mqtt'
        ? {
            ...table,
            brokerUrl: c.CONTROL_BROKER_URL!,
            credentialsSecretArn: c.CONTROL_CREDENTIALS_SECRET_ARN,
            username: c.CONTROL_USERNAME,
            password: c.CONTROL_PASSWORD,
            topicPrefix: c.CONTROL_TOPIC_PREFIX,
            pubackTimeoutMs: c.CONTROL_PUBACK_TIMEOUT_MS,
            confirmTimeoutMs: c.KICK_CONFIRM_TIMEOUT_MS,
          }
        : undefined,
    emqx: c.KICK_VIA === 'emqx5' || c.KICK_VIA === 'emqx4' ? emqxApiConfig(c.KICK_VIA === 'emqx5' ? 'v5' : 'v4', c) : undefined,
    iotDataEndpoint: c.IOT_DATA_ENDPOINT,
    brokerTimeoutMs: c.BROKER_TIMEOUT_MS,
  };
}

/** The MQTT control channel a deployment points the kick at: a credentials secret, or a fixed user and password. */
export interface ControlSettings {
  readonly brokerUrl: string;
  readonly credentialsSecretArn?: string;
  readonly username?: string;
  readonly password?: string;
  /** @default 'clients-api/control' (the function's) */
  readonly topicPrefix?: string;
  /** @default 2000 (the function's) */
  readonly pubackTimeoutMs?: number;
}

/** How the kick reaches the broker, by KICK_VIA. */
export type KickPath =
  | { readonly via: 'mqtt'; readonly control: ControlSettings }
  | { readonly via: 'emqx5' | 'emqx4'; readonly emqx: EmqxApiSettings }
  | {
      readonly via: 'aws-iot';
      /** BROKER_TIMEOUT_MS. @default 3000 (the function's) */
      readonly brokerTimeoutMs?: number;
      /** IOT_DATA_ENDPOINT: a host, as `aws iot describe-endpoint --endpoint-type iot:Data-ATS` prints it, or an https:// URL. */
      readonly iotDataEndpoint?: string;
    };

export type KickSettings = TableSettings & {
  readonly path: KickPath;
  /** KICK_CONFIRM_TIMEOUT_MS. @default 3000 (the function's) */
  readonly confirmTimeoutMs?: number;
};

function kickPathEnvironment(path: KickPath): Environment {
  switch (path.via) {
    case 'mqtt':
      return {
        CONTROL_BROKER_URL: path.control.brokerUrl,
        ...optionalVariable('CONTROL_CREDENTIALS_SECRET_ARN', path.control.credentialsSecretArn),
        ...optionalVariable('CONTROL_USERNAME', path.control.username),
        ...optionalVariable('CONTROL_PASSWORD', path.control.password),
        ...optionalVariable('CONTROL_TOPIC_PREFIX', path.control.topicPrefix),
        ...optionalVariable('CONTROL_PUBACK_TIMEOUT_MS', path.control.pubackTimeoutMs),
      };
    case 'aws-iot':
      return { ...optionalVariable('BROKER_TIMEOUT_MS', path.brokerTimeoutMs), ...optionalVariable('IOT_DATA_ENDPOINT', path.iotDataEndpoint) };
    default:
      return emqxApiEnvironment(path.emqx);
  }
}

export function kickEnvironment(s: KickSettings): Environment {
  return {
    ...tableEnvironment(s),
    KICK_VIA: s.path.via,
    ...kickPathEnvironment(s.path),
    ...optionalVariable('KICK_CONFIRM_TIMEOUT_MS', s.confirmTimeoutMs),
  };
}
