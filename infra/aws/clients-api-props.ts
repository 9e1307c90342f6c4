/** The props of {@link ClientsApi} (clients-api.ts) and of its broker sources. */
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AwsIotDelivery } from '../../functions/config.js';
import type { PowertoolsLogLevel } from './team-function.js';

/** API Gateway throttling of a group of routes (a token bucket: `burstLimit` tokens, refilled at `rateLimit` a second). */
export interface ClientsApiThrottle {
  /** Steady-state requests per second across the routes it applies to. */
  readonly rateLimit: number;
  /** Requests accepted at once above the rate. */
  readonly burstLimit: number;
}

/** Kicks through our MQTT control topic; a broker-side component writes the sessions (today's reference node). */
export interface MqttBrokerSource {
  readonly kind: 'mqtt';
  /** CONTROL_BROKER_URL, e.g. `mqtts://broker.internal:8883`. */
  readonly url: string;
  /** Secret `{"username","password"}` of the control channel; or give `credentialsSecretArn`. */
  readonly credentialsSecret?: secretsmanager.ISecret;
  readonly credentialsSecretArn?: string;
  /** @default 'clients-api/control' */
  readonly topicPrefix?: string;
}

/**
 * An EMQX 5 or 4.4 cluster: its webhooks post to `POST /ingest/emqx` (bearer
 * token), kicks go through its REST API, and a schedule reconciles the table
 * with its client list.
 */
export interface EmqxBrokerSource {
  readonly kind: 'emqx5' | 'emqx4';
  /** Base URL of the cluster's REST API (EMQX_API_URL), e.g. `https://emqx.internal:18084` (EMQX 5's HTTPS listener; its HTTP one is 18083). */
  readonly apiUrl: string;
  /** Secret `{"key","secret"}`: an EMQX 5 API key, or an EMQX 4 application id and secret. Or give `apiCredentialsSecretArn`. */
  readonly apiCredentialsSecret?: secretsmanager.ISecret;
  readonly apiCredentialsSecretArn?: string;
  /** @default events.Schedule.rate(Duration.minutes(5)) */
  readonly reconcileSchedule?: events.Schedule;
  /**
   * How often a run walks the table for what lost events left behind (about
   * 33 read units per 1,000 sessions); the runs between only keep the listed
   * statistics current. Whole minutes, at most a day; 0 makes every run full.
   * @default Duration.minutes(30)
   */
  readonly reconcileDriftInterval?: Duration;
}

/** AWS IoT Core: lifecycle events through IoT topic rules, kicks through DeleteConnection. */
export interface AwsIotBrokerSource {
  readonly kind: 'aws-iot';
  /** Seconds an offline persistent session is kept (the account's setting). @default 3600 */
  readonly sessionExpirySeconds?: number;
  /** Whether clients use persistent sessions; lifecycle events do not say. @default false */
  readonly persistentSessions?: boolean;
  /** Create the topic rules that feed the ingest function. @default true */
  readonly createTopicRules?: boolean;
  /** IOT_DATA_ENDPOINT: the host `aws iot describe-endpoint --endpoint-type iot:Data-ATS` prints, or `https://` and that host. @default - the SDK's endpoint for the region */
  readonly iotDataEndpoint?: string;
  /**
   * How the rules hand events to the ingest function: `queue` (the `sqs`
   * action and an SQS queue, aws-iot-queue.ts) or `http` (the batched HTTP
   * action to the function's URL, aws-iot-http.ts).
   * @default CLIENTS_API_DEFAULTS.awsIotDelivery
   */
  readonly delivery?: AwsIotDelivery;
}

export type BrokerSource = MqttBrokerSource | EmqxBrokerSource | AwsIotBrokerSource;

/** Where the stack's alarms go and when they fire (monitoring/, DEPLOY.md "After deploying"). */
export interface ClientsApiMonitoring {
  /** Topic the alarms notify. @default - a topic the stack creates */
  readonly alarmTopic?: sns.ITopic;
  /** E-mail address subscribed to the topic the stack creates (not with `alarmTopic`). @default - no subscription */
  readonly alarmEmail?: string;
  /** Sessions one reconciliation may end, add or disconnect before its drift alarm fires. @default 100 */
  readonly reconcileDriftThreshold?: number;
  /** Share of a route's requests, in percent, answered 5xx over 5 minutes before its alarm fires. @default 1 */
  readonly apiServerErrorRatePercent?: number;
  /** p99 latency of a route, in milliseconds, over 5 minutes before its alarm fires. @default 3000 */
  readonly apiP99LatencyMs?: number;
  /** Share of the broker's requests to the ingest route, in percent, refused (4xx) over 5 minutes before its alarm fires. @default 1 */
  readonly ingestClientErrorRatePercent?: number;
}

export interface ClientsApiProps {
  /**
   * Where sessions come from and how kicks reach the broker.
   * @default - `{ kind: 'mqtt' }` from `controlBrokerUrl` and its secret
   */
  readonly broker?: BrokerSource;
  /**
   * Shorthand for `broker: { kind: 'mqtt', url }` (CONTROL_BROKER_URL), e.g.
   * `mqtts://broker.internal:8883`.
   */
  readonly controlBrokerUrl?: string;
  /**
   * Secrets Manager secret holding the control channel credentials as JSON
   * `{"username": "...", "password": "..."}` (CONTROL_CREDENTIALS_SECRET_ARN).
   * Give this or `controlCredentialsSecretArn`, not both.
   * @default - imported from `controlCredentialsSecretArn`
   */
  readonly controlCredentialsSecret?: secretsmanager.ISecret;
  /**
   * Complete ARN (with the six-character suffix) of the control channel
   * credentials secret; used when `controlCredentialsSecret` is not given.
   * @default - `controlCredentialsSecret` is required
   */
  readonly controlCredentialsSecretArn?: string;
  /**
   * Topic prefix of the control channel (CONTROL_TOPIC_PREFIX).
   * @default 'clients-api/control'
   */
  readonly controlTopicPrefix?: string;
  /**
   * How long the kick function waits for the broker to confirm a kick
   * (KICK_CONFIRM_TIMEOUT_MS). The kick function's timeout is derived from it.
   * @default 3000
   */
  readonly kickConfirmTimeoutMs?: number;
  /**
   * Devices of the fleet: the shards, the ingest throttle, the AWS IoT queue's
   * consumers and the sessions table's warm throughput follow from it
   * (fleet-sizing.ts); `sessionShards` and `ingestThrottle` still override.
   * The default absorbs 10 million devices reconnecting within 30 minutes;
   * a smaller fleet set here leaves the table unwarmed.
   * @default 10000000
   */
  readonly fleetSize?: number;
  /**
   * Shards of the index partitions and counters (SESSION_SHARDS). Must match
   * what the data in the table was written with.
   * @default - from `fleetSize`: 8 up to some 2.7 million devices, 16 for the default 10 million
   */
  readonly sessionShards?: number;
  /**
   * Keeps the sessions table's former username index (`by-username`) beside
   * `by-username-key`: the first of the two deploys that upgrade a table
   * made before it (DEPLOY.md, "Upgrading"); one stack update may add or
   * delete one index, not both.
   * @default false
   */
  readonly keepRetiredUsernameIndex?: boolean;
  /**
   * How long the kick and reconcile functions wait for the broker's API (BROKER_TIMEOUT_MS).
   * @default 3000
   */
  readonly brokerTimeoutMs?: number;
  /**
   * VPC for the functions that call the broker (kick; reconcile for EMQX), to
   * reach a private broker. The subnets need a route to DynamoDB and Secrets
   * Manager (NAT or VPC endpoints).
   * @default - they run outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` for the kick function.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the kick function in `vpc`.
   * @default - a new group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Throttling of the admin routes (every route but the ingest route): the
   * stage's default.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ClientsApiThrottle;
  /**
   * Throttling of the ingest route (`POST /ingest/emqx`, EMQX sources), apart
   * from the admin routes: what the shards sustain. API Gateway's account
   * limit (10,000 requests a second, burst 5,000, per region by default)
   * caps both.
   * @default - from `fleetSize` and the shards: 850 a second per shard, burst the same (6,800 for 8 shards),
   * at most the account limit less the admin routes' `throttle` (9,900 for the default 16 shards)
   */
  readonly ingestThrottle?: ClientsApiThrottle;
  /**
   * Retention of the functions' logs and of the API access log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Memory of each function in MiB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * POWERTOOLS_SERVICE_NAME of the functions.
   * @default 'clients-api'
   */
  readonly serviceName?: string;
  /**
   * POWERTOOLS_METRICS_NAMESPACE of the functions.
   * @default 'MqttClientsApi'
   */
  readonly metricsNamespace?: string;
  /**
   * POWERTOOLS_LOG_LEVEL of the functions.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * When the sweeper ends expired offline sessions.
   * @default events.Schedule.rate(Duration.minutes(1))
   */
  readonly sweepSchedule?: events.Schedule;
  /**
   * How long app-credentials decisions are reused, in all: the time within
   * which a revoked app stops working. API Gateway caches the authorizer's
   * answer per `Authorization` header, and the warm authorizer keeps each app
   * record; the two are split so that together they stay within this time
   * (see {@link appCredentialCaches} in app-credentials.ts). 0 turns both off.
   * @default 60
   */
  readonly appCredentialsCacheSeconds?: number;
  /**
   * Alarms, their topic and thresholds.
   * @default - a new topic without subscription, the default thresholds
   */
  readonly monitoring?: ClientsApiMonitoring;
}
