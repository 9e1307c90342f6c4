/**
 * The clients API on AWS: the sessions table, the API's functions and an HTTP
 * API built from the route table (functions/api/routes.ts): native routes
 * IAM-authorized (SigV4), the EMQX-compatible `/api/v4` and `/api/v5` routes
 * checked by an app-credentials authorizer (HTTP Basic) against an apps
 * table. Usable from any CDK app:
 *
 *   new ClientsApi(stack, 'ClientsApi', {
 *     controlBrokerUrl: 'mqtts://broker.internal:8883',
 *     controlCredentialsSecretArn: 'arn:aws:secretsmanager:...:secret:broker-control-AbCdEf',
 *   });
 */
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_ROUTES, routeKeyOf, type ApiRoute, type ClientHandler } from '../../functions/api/routes.js';
import { APPS_TABLE } from '../../functions/apps/table.js';
import { SESSION_INDEXES, SESSIONS_TABLE, type IndexDefinition, type KeyAttribute } from '../../functions/sessions/table.js';
import { TeamFunction, type PowertoolsLogLevel } from './team-function.js';

/** API Gateway stage throttling. */
export interface ClientsApiThrottle {
  /** Steady-state requests per second across the API. */
  readonly rateLimit: number;
  /** Requests the API accepts in a burst above the rate. */
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
  /** Base URL of the cluster's REST API, e.g. `https://emqx.internal:18083` (EMQX_API_URL). */
  readonly apiUrl: string;
  /** Secret `{"key","secret"}`: an EMQX 5 API key, or an EMQX 4 application id and secret. Or give `apiCredentialsSecretArn`. */
  readonly apiCredentialsSecret?: secretsmanager.ISecret;
  readonly apiCredentialsSecretArn?: string;
  /** @default events.Schedule.rate(Duration.minutes(5)) */
  readonly reconcileSchedule?: events.Schedule;
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
  /** IOT_DATA_ENDPOINT, e.g. `https://abc123-ats.iot.eu-west-1.amazonaws.com`. @default - the SDK's endpoint for the region */
  readonly iotDataEndpoint?: string;
}

export type BrokerSource = MqttBrokerSource | EmqxBrokerSource | AwsIotBrokerSource;

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
   * Shards of the index partitions and counters (SESSION_SHARDS). Must match
   * what the data in the table was written with.
   * @default 8
   */
  readonly sessionShards?: number;
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
   * Throttling of the API's default stage.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ClientsApiThrottle;
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
   * (see {@link appCredentialCaches}). 0 turns both off.
   * @default 60
   */
  readonly appCredentialsCacheSeconds?: number;
}

/** Defaults of the props, exported for tests and documentation. */
export const CLIENTS_API_DEFAULTS = {
  controlTopicPrefix: 'clients-api/control',
  kickConfirmTimeoutMs: 3000,
  sessionShards: 8,
  throttle: { rateLimit: 100, burstLimit: 200 },
  memorySize: 512,
  serviceName: 'clients-api',
  metricsNamespace: 'MqttClientsApi',
  brokerTimeoutMs: 3000,
  awsIotSessionExpirySeconds: 3600,
  appCredentialsCacheSeconds: 60,
} as const;

/** The warm authorizer keeps an app record at most this long (it spares a read when API Gateway's cache misses). */
const APP_RECORD_CACHE_MAX_SECONDS = 10;

/**
 * The two caches of app-credentials decisions, whose sum is the revocation
 * bound: a record the function read at t may back an answer API Gateway
 * caches until t + record + gateway seconds.
 */
export function appCredentialCaches(totalSeconds: number): { gatewaySeconds: number; recordSeconds: number } {
  const recordSeconds = Math.min(APP_RECORD_CACHE_MAX_SECONDS, Math.floor(totalSeconds / 2));
  return { gatewaySeconds: totalSeconds - recordSeconds, recordSeconds };
}

/** Where the app-credentials authorizer reads the caller's credentials (and what API Gateway caches its answer by). */
export const APP_AUTHORIZER_IDENTITY_SOURCE = '$request.header.Authorization';

/** The surfaces whose routes take HTTP Basic app credentials instead of SigV4. */
const APP_CREDENTIAL_SURFACES: ReadonlySet<ApiRoute['surface']> = new Set(['emqx4', 'emqx5']);

/** `GET /api/v4/clients/{clientid}` → `GetApiV4ClientsClientidRoute`: a stable construct id per route. */
export function routeConstructId(route: Pick<ApiRoute, 'method' | 'path'>): string {
  const words = `${route.method} ${route.path}`.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  return `${words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('')}Route`;
}

/** IoT topic rules that feed the AWS IoT ingest function: connects/disconnects and subscription changes. */
export const AWS_IOT_RULE_SQL = {
  presence: "SELECT *, topic() AS topic FROM '$aws/events/presence/+/+'",
  subscriptions: "SELECT *, topic() AS topic FROM '$aws/events/subscriptions/+/+'",
} as const;

/** The reconcile function's limit: a list of a million sessions pages through in well under it. */
const RECONCILE_TIMEOUT_SECONDS = 240;

/**
 * Time the kick function gets beyond the confirm wait: secret fetch, TLS
 * connect to the broker, publish and its PUBACK, plus a cold start.
 */
export const KICK_TIMEOUT_MARGIN_SECONDS = 7;

/** API Gateway ends an HTTP API integration after 30 s; a longer Lambda timeout is useless. */
const MAX_API_FUNCTION_TIMEOUT_SECONDS = 29;

/** DynamoDB read actions on one item or one index range; no Scan. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

/** The shared index definition as CDK global secondary index props. */
export function globalSecondaryIndexProps(index: IndexDefinition): dynamodb.GlobalSecondaryIndexProps {
  const keys = {
    indexName: index.indexName,
    partitionKey: attribute(index.partitionKey),
    sortKey: attribute(index.sortKey),
  };
  return index.projection.type === 'INCLUDE'
    ? {
        ...keys,
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projection.nonKeyAttributes],
      }
    : { ...keys, projectionType: dynamodb.ProjectionType.KEYS_ONLY };
}

function integerIn(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

export class ClientsApi extends Construct {
  /** The sessions table (built from functions/sessions/table.ts). */
  public readonly table: dynamodb.Table;
  /** The HTTP API: native routes require SigV4 (AWS_IAM), `/api/v4` and `/api/v5` routes app credentials. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The API's `$default` stage. */
  public readonly stage: apigwv2.HttpStage;
  /** Base URL of the API, ending in `/`. */
  public readonly url: string;
  /** The access log of the API. */
  public readonly accessLogGroup: logs.LogGroup;
  /** GET /clients */
  public readonly listClientsFunction: TeamFunction;
  /** GET /clients/{clientid} */
  public readonly getClientFunction: TeamFunction;
  /** DELETE /clients/{clientid} */
  public readonly kickClientFunction: TeamFunction;
  /** The scheduled sweeper that ends expired offline sessions. */
  public readonly expireSessionsFunction: TeamFunction;
  /** Key that signs the list paging cursors. */
  public readonly cursorSecret: secretsmanager.Secret;
  /** Credentials of the broker control channel (MQTT kicks only). */
  public readonly controlCredentialsSecret: secretsmanager.ISecret | undefined;
  /** Where sessions come from and how kicks reach the broker. */
  public readonly broker: BrokerSource;
  /** Credentials of the EMQX REST API (EMQX sources only). */
  public readonly brokerApiCredentialsSecret: secretsmanager.ISecret | undefined;
  /** The token brokers send to `POST /ingest/emqx` (EMQX sources only). */
  public readonly ingestTokenSecret: secretsmanager.Secret | undefined;
  /** Takes the broker's events: `POST /ingest/emqx`, or AWS IoT's topic rules. Absent for MQTT. */
  public readonly ingestFunction: TeamFunction | undefined;
  /** Reconciles the table with the EMQX client list (EMQX sources only). */
  public readonly reconcileFunction: TeamFunction | undefined;
  /** The reconciliation schedule (EMQX sources only). */
  public readonly reconcileRule: events.Rule | undefined;
  /** The IoT topic rules feeding the ingest function (AWS IoT only). */
  public readonly iotTopicRules: iot.CfnTopicRule[];
  /** The schedule of the sweeper. */
  public readonly sweepRule: events.Rule;
  /** The apps of `/api/v4` and `/api/v5` (functions/apps/table.ts): ids, names, secret hashes, revocations. */
  public readonly appsTable: dynamodb.Table;
  /** The Lambda REQUEST authorizer of the `/api/v4` and `/api/v5` routes (HTTP Basic app id and secret). */
  public readonly authorizeAppFunction: TeamFunction;
  /** Every route of the API, by route key (`GET /api/v4/clients`), built from functions/api/routes.ts. */
  public readonly routes: ReadonlyMap<string, apigwv2.HttpRoute>;

  private readonly readRoutes: apigwv2.HttpRoute[];
  private readonly allRoutes: apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, props: ClientsApiProps) {
    super(scope, id);

    // The ranges are those the handlers accept (functions/config.ts).
    const sessionShards = integerIn(props.sessionShards ?? CLIENTS_API_DEFAULTS.sessionShards, 'sessionShards', 1, 256);
    // The kick function must outlive its confirm wait, and API Gateway ends
    // an HTTP API integration after 30 s.
    const kickConfirmTimeoutMs = integerIn(
      props.kickConfirmTimeoutMs ?? CLIENTS_API_DEFAULTS.kickConfirmTimeoutMs,
      'kickConfirmTimeoutMs',
      0,
      (MAX_API_FUNCTION_TIMEOUT_SECONDS - KICK_TIMEOUT_MARGIN_SECONDS) * 1000,
    );
    const brokerTimeoutMs = integerIn(props.brokerTimeoutMs ?? CLIENTS_API_DEFAULTS.brokerTimeoutMs, 'brokerTimeoutMs', 100, 10_000);
    const memorySize = integerIn(props.memorySize ?? CLIENTS_API_DEFAULTS.memorySize, 'memorySize', 128, 10240);
    const throttle = props.throttle ?? CLIENTS_API_DEFAULTS.throttle;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    if (props.broker && props.controlBrokerUrl) throw new Error('Give broker or controlBrokerUrl, not both');
    if (!props.broker && !props.controlBrokerUrl) throw new Error('ClientsApi needs broker (or controlBrokerUrl for an MQTT control channel)');
    this.broker = props.broker ?? {
      kind: 'mqtt',
      url: props.controlBrokerUrl!,
      ...(props.controlCredentialsSecret ? { credentialsSecret: props.controlCredentialsSecret } : {}),
      ...(props.controlCredentialsSecretArn ? { credentialsSecretArn: props.controlCredentialsSecretArn } : {}),
      ...(props.controlTopicPrefix ? { topicPrefix: props.controlTopicPrefix } : {}),
    };
    const broker = this.broker;
    // The kick must outlive the call to the broker and the confirm wait; API Gateway ends it at 30 s.
    // The margin holds a broker call of up to the default 3 s; a longer one extends the limit.
    const kickTimeoutSeconds =
      Math.ceil(kickConfirmTimeoutMs / 1000) +
      KICK_TIMEOUT_MARGIN_SECONDS +
      Math.max(0, Math.ceil((brokerTimeoutMs - CLIENTS_API_DEFAULTS.brokerTimeoutMs) / 1000));
    if (kickTimeoutSeconds > MAX_API_FUNCTION_TIMEOUT_SECONDS) {
      throw new Error(`kickConfirmTimeoutMs + brokerTimeoutMs must leave the kick function within ${MAX_API_FUNCTION_TIMEOUT_SECONDS} s`);
    }
    if (broker.kind === 'mqtt' && !Token.isUnresolved(broker.url) && !/^(mqtts?|wss?|tcp|ssl):\/\/[^/\s]+/.test(broker.url)) {
      throw new Error(
        `controlBrokerUrl must be an mqtt://, mqtts://, ws://, wss://, tcp:// or ssl:// URL, got "${broker.url}"`,
      );
    }
    if ((broker.kind === 'emqx5' || broker.kind === 'emqx4') && !Token.isUnresolved(broker.apiUrl) && !/^https?:\/\/[^/\s]+/.test(broker.apiUrl)) {
      throw new Error(`apiUrl must be an http:// or https:// URL, got "${broker.apiUrl}"`);
    }

    // --- Sessions table -------------------------------------------------
    this.table = new dynamodb.Table(this, 'SessionsTable', {
      partitionKey: attribute(SESSIONS_TABLE.partitionKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: SESSIONS_TABLE.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of SESSION_INDEXES) {
      this.table.addGlobalSecondaryIndex(globalSecondaryIndexProps(index));
    }
    // A table of its own: IAM cannot confine the authorizer to a key prefix of
    // the sessions table, as that prefix starts with U+0000 and policy
    // documents hold only U+0009, U+000A, U+000D and U+0020 to U+00FF.
    this.appsTable = new dynamodb.Table(this, 'AppsTable', {
      partitionKey: attribute(APPS_TABLE.partitionKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const appCaches = appCredentialCaches(
      integerIn(props.appCredentialsCacheSeconds ?? CLIENTS_API_DEFAULTS.appCredentialsCacheSeconds, 'appCredentialsCacheSeconds', 0, 3600),
    );

    const tableArn = this.table.tableArn;
    const indexArn = (indexName: string): string => `${tableArn}/index/${indexName}`;
    const allIndexArns = SESSION_INDEXES.map((index) => indexArn(index.indexName));

    // --- Secrets --------------------------------------------------------
    this.cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'HMAC key that signs the paging cursors of GET /clients',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The cursor key only signs paging cursors and reaches the function at deploy time; rotating it would only invalidate cursors in flight, and a rotation would not reach the function without a redeploy.',
    });

    const importedSecret = (id: string, secret: secretsmanager.ISecret | undefined, arn: string | undefined, what: string) => {
      if (secret && arn) throw new Error(`Give the ${what} secret or its ARN, not both`);
      if (secret) return secret;
      if (arn) return secretsmanager.Secret.fromSecretCompleteArn(this, id, arn);
      throw new Error(`ClientsApi needs the ${what} secret (or its ARN)`);
    };
    this.controlCredentialsSecret =
      broker.kind === 'mqtt' ? importedSecret('ControlCredentials', broker.credentialsSecret, broker.credentialsSecretArn, 'control channel credentials') : undefined;
    const isEmqx = broker.kind === 'emqx5' || broker.kind === 'emqx4';
    this.brokerApiCredentialsSecret = isEmqx
      ? importedSecret('BrokerApiCredentials', broker.apiCredentialsSecret, broker.apiCredentialsSecretArn, 'EMQX API credentials')
      : undefined;
    this.ingestTokenSecret = isEmqx
      ? new secretsmanager.Secret(this, 'IngestToken', {
          description: 'Bearer token EMQX sends to POST /ingest/emqx (Authorization: Bearer <token>)',
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
        })
      : undefined;
    if (this.ingestTokenSecret) {
      Validations.of(this.ingestTokenSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The token is typed into the broker configuration by its operator; an automatic rotation would cut the broker off until the broker is reconfigured. Rotate it together with the broker configuration (the function re-reads it every five minutes).',
      });
    }
    const secretArnOf = (secret: secretsmanager.ISecret) => secret.secretFullArn ?? `${secret.secretArn}-??????`;

    // --- Functions ------------------------------------------------------
    const powertools = {
      serviceName: props.serviceName ?? CLIENTS_API_DEFAULTS.serviceName,
      metricsNamespace: props.metricsNamespace ?? CLIENTS_API_DEFAULTS.metricsNamespace,
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
    };
    const common = {
      memorySize,
      logRetention,
      powertools,
      environment: {
        TABLE_NAME: this.table.tableName,
        SESSION_SHARDS: String(sessionShards),
      },
    };

    this.listClientsFunction = new TeamFunction(this, 'ListClients', {
      ...common,
      entry: 'functions/list-clients.ts',
      description: 'GET /clients',
      timeout: Duration.seconds(10),
      environment: {
        ...common.environment,
        // The value lands in the function configuration in plain text, which
        // is acceptable here: it only signs paging cursors (tamper-evidence of
        // an opaque position), it guards no data and no access, and reading
        // it needs lambda:GetFunctionConfiguration, which already exposes far
        // more. It saves a Secrets Manager call on every cold start.
        CURSOR_SECRET: this.cursorSecret.secretValue.unsafeUnwrap(),
      },
    });

    this.getClientFunction = new TeamFunction(this, 'GetClient', {
      ...common,
      entry: 'functions/get-client.ts',
      description: 'GET /clients/{clientid}',
      timeout: Duration.seconds(10),
    });

    // Reads the apps table only: no sessions table name in its environment.
    this.authorizeAppFunction = new TeamFunction(this, 'AuthorizeApp', {
      memorySize,
      logRetention,
      powertools,
      entry: 'functions/authorize-app.ts',
      description: 'App credentials (HTTP Basic) of /api/v4 and /api/v5',
      // One lookup and one scrypt check; API Gateway gives an authorizer 10 s.
      timeout: Duration.seconds(5),
      environment: {
        APPS_TABLE_NAME: this.appsTable.tableName,
        APP_CACHE_TTL_MS: String(appCaches.recordSeconds * 1000),
      },
    });

    const brokerNetwork = props.vpc
      ? {
          vpc: props.vpc,
          ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
          ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
        }
      : {};
    const emqxApiEnvironment: Record<string, string> =
      broker.kind === 'emqx5' || broker.kind === 'emqx4'
      ? {
          EMQX_API_URL: broker.apiUrl,
          EMQX_API_CREDENTIALS_SECRET_ARN: this.brokerApiCredentialsSecret!.secretArn,
          BROKER_TIMEOUT_MS: String(brokerTimeoutMs),
        }
      : {};
    const kickEnvironment: Record<string, string> =
      broker.kind === 'mqtt'
        ? {
            KICK_VIA: 'mqtt',
            CONTROL_BROKER_URL: broker.url,
            CONTROL_CREDENTIALS_SECRET_ARN: this.controlCredentialsSecret!.secretArn,
            CONTROL_TOPIC_PREFIX: broker.topicPrefix ?? CLIENTS_API_DEFAULTS.controlTopicPrefix,
          }
        : broker.kind === 'aws-iot'
          ? {
              KICK_VIA: 'aws-iot',
              BROKER_TIMEOUT_MS: String(brokerTimeoutMs),
              ...(broker.iotDataEndpoint ? { IOT_DATA_ENDPOINT: broker.iotDataEndpoint } : {}),
            }
          : { KICK_VIA: broker.kind, ...emqxApiEnvironment };
    this.kickClientFunction = new TeamFunction(this, 'KickClient', {
      ...common,
      entry: 'functions/kick-client.ts',
      description: 'DELETE /clients/{clientid}',
      timeout: Duration.seconds(kickTimeoutSeconds),
      environment: {
        ...common.environment,
        ...kickEnvironment,
        KICK_CONFIRM_TIMEOUT_MS: String(kickConfirmTimeoutMs),
      },
      // AWS IoT's data plane is a public AWS endpoint: no VPC needed.
      ...(broker.kind === 'aws-iot' ? {} : brokerNetwork),
    });

    this.ingestFunction =
      broker.kind === 'mqtt'
        ? undefined
        : new TeamFunction(this, isEmqx ? 'IngestEmqx' : 'IngestAwsIot', {
            ...common,
            entry: isEmqx ? 'functions/ingest-emqx.ts' : 'functions/ingest-aws-iot.ts',
            description: isEmqx ? 'POST /ingest/emqx (EMQX webhooks)' : 'AWS IoT Core lifecycle events (topic rules)',
            // Answers within 4 s by itself (EMQX 4 waits 5 s); the limit only bounds a stuck invocation.
            timeout: Duration.seconds(10),
            environment: {
              ...common.environment,
              ...(broker.kind !== 'aws-iot'
                ? { INGEST_TOKEN_SECRET_ARN: this.ingestTokenSecret!.secretArn }
                : {
                    AWS_IOT_NODE: `aws-iot@${Stack.of(this).region}`,
                    AWS_IOT_SESSION_EXPIRY_SECONDS: String(
                      integerIn(broker.sessionExpirySeconds ?? CLIENTS_API_DEFAULTS.awsIotSessionExpirySeconds, 'sessionExpirySeconds', 0, 7 * 24 * 3600),
                    ),
                    AWS_IOT_PERSISTENT_SESSIONS: String(broker.persistentSessions ?? false),
                  }),
            },
            // An IoT rule invokes asynchronously: Lambda's own retries resend an event that failed.
            ...(isEmqx ? {} : { retryAttempts: 2 }),
          });

    this.reconcileFunction = broker.kind === 'emqx5' || broker.kind === 'emqx4'
      ? new TeamFunction(this, 'ReconcileSessions', {
          ...common,
          entry: 'functions/reconcile-sessions.ts',
          description: `Reconciles the sessions table with the ${broker.kind} client list (scheduled)`,
          timeout: Duration.seconds(RECONCILE_TIMEOUT_SECONDS),
          environment: { ...common.environment, RECONCILE_SOURCE: broker.kind, ...emqxApiEnvironment },
          // The next scheduled run repairs what a failed one left; retries would overlap it.
          retryAttempts: 0,
          ...brokerNetwork,
        })
      : undefined;

    this.expireSessionsFunction = new TeamFunction(this, 'ExpireSessions', {
      ...common,
      entry: 'functions/expire-sessions.ts',
      description: 'Ends expired offline sessions (scheduled)',
      timeout: Duration.seconds(50),
      // A failed sweep is retried by the next one a minute later; Lambda's own
      // async retries would only overlap with it.
      retryAttempts: 0,
    });

    // --- Permissions: exact actions on exact ARNs -------------------------
    for (const fn of [this.listClientsFunction, this.getClientFunction]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadSessions',
          actions: READ_ACTIONS,
          resources: [tableArn, ...allIndexArns],
        }),
      );
    }

    this.authorizeAppFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadApps',
        actions: ['dynamodb:GetItem'],
        resources: [this.appsTable.tableArn],
      }),
    );

    const readSecret = (fn: TeamFunction, sid: string, secret: secretsmanager.ISecret) => {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid,
          actions: ['secretsmanager:GetSecretValue'],
          // An imported secret known by its partial ARN matches any suffix.
          resources: [secretArnOf(secret)],
        }),
      );
      secret.encryptionKey?.grantDecrypt(fn);
    };
    // TransactWriteItems has no IAM action of its own: each Put/Update in a
    // transaction is authorized as PutItem/UpdateItem.
    const writeSessions = (fn: TeamFunction, extra: string[] = []) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'WriteSessions',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', ...extra],
          resources: [tableArn],
        }),
      );

    if (broker.kind === 'mqtt') {
      this.kickClientFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadSession',
          actions: ['dynamodb:GetItem'],
          resources: [tableArn],
        }),
      );
      readSecret(this.kickClientFunction, 'ReadControlCredentials', this.controlCredentialsSecret!);
    } else {
      // The broker's API acts before it answers: the kick records the end itself.
      writeSessions(this.kickClientFunction);
    }
    if (this.brokerApiCredentialsSecret) {
      readSecret(this.kickClientFunction, 'ReadBrokerApiCredentials', this.brokerApiCredentialsSecret);
    }
    if (broker.kind === 'aws-iot') {
      this.kickClientFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DisconnectIotClients',
          actions: ['iot:DeleteConnection'],
          resources: [Stack.of(this).formatArn({ service: 'iot', resource: 'client', resourceName: '*' })],
        }),
      );
      Validations.of(this.kickClientFunction.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:client/*]',
        reason:
          'DELETE /clients/{clientid} may disconnect any client of the account, whose ids are not known at deploy time; the statement allows iot:DeleteConnection alone, on client resources alone.',
      });
    }
    if (this.ingestFunction) {
      writeSessions(this.ingestFunction);
      if (this.ingestTokenSecret) readSecret(this.ingestFunction, 'ReadIngestToken', this.ingestTokenSecret);
    }
    if (this.reconcileFunction) {
      writeSessions(this.reconcileFunction, ['dynamodb:BatchGetItem']);
      this.reconcileFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ListLiveSessions',
          actions: ['dynamodb:Query'],
          resources: [indexArn(SESSIONS_TABLE.indexes.byConnState.indexName)],
        }),
      );
      readSecret(this.reconcileFunction, 'ReadBrokerApiCredentials', this.brokerApiCredentialsSecret!);
    }

    const expiryIndex = SESSIONS_TABLE.indexes.byExpiry.indexName;
    this.expireSessionsFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindExpiredSessions',
        actions: ['dynamodb:Query'],
        resources: [indexArn(expiryIndex)],
      }),
    );
    this.expireSessionsFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EndSessions',
        // TransactWriteItems has no IAM action of its own: each Put/Update in
        // a transaction is authorized as PutItem/UpdateItem.
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn],
      }),
    );

    // --- Sweeper schedule -----------------------------------------------
    this.sweepRule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the expired-session sweeper',
      schedule: props.sweepSchedule ?? events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.expireSessionsFunction, { retryAttempts: 0 })],
    });

    // --- Broker feeds -----------------------------------------------------
    this.reconcileRule =
      this.reconcileFunction && (broker.kind === 'emqx5' || broker.kind === 'emqx4')
        ? new events.Rule(this, 'ReconcileSchedule', {
            description: `Reconciles the sessions table with the ${broker.kind} client list`,
            schedule: broker.reconcileSchedule ?? events.Schedule.rate(Duration.minutes(5)),
            targets: [new targets.LambdaFunction(this.reconcileFunction, { retryAttempts: 0 })],
          })
        : undefined;

    this.iotTopicRules = [];
    if (broker.kind === 'aws-iot' && (broker.createTopicRules ?? true)) {
      const ingest = this.ingestFunction!;
      for (const [name, sql] of Object.entries(AWS_IOT_RULE_SQL)) {
        const id = `IotLifecycle${name[0]!.toUpperCase()}${name.slice(1)}Rule`;
        const rule = new iot.CfnTopicRule(this, id, {
          topicRulePayload: {
            description: `AWS IoT ${name} lifecycle events to the clients API`,
            sql,
            awsIotSqlVersion: '2016-03-23',
            ruleDisabled: false,
            actions: [{ lambda: { functionArn: ingest.functionArn } }],
          },
        });
        ingest.addPermission(`${id}Invoke`, {
          principal: new iam.ServicePrincipal('iot.amazonaws.com'),
          sourceArn: rule.attrArn,
          sourceAccount: Stack.of(this).account,
        });
        this.iotTopicRules.push(rule);
      }
    }

    // --- HTTP API -------------------------------------------------------
    // SigV4 by default, so a route added without an authorizer stays closed.
    const iamAuthorizer = new HttpIamAuthorizer();
    // Simple responses: `isAuthorized: false` is API Gateway's 403
    // {"message":"Forbidden"}; a request without an Authorization header is its
    // 401 {"message":"Unauthorized"} before the function runs. HTTP APIs have
    // no gateway responses, so neither carries WWW-Authenticate (DEPLOY.md).
    const appAuthorizer = new HttpLambdaAuthorizer('AppCredentialsAuthorizer', this.authorizeAppFunction, {
      authorizerName: 'app-credentials',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [APP_AUTHORIZER_IDENTITY_SOURCE],
      resultsCacheTtl: Duration.seconds(appCaches.gatewaySeconds),
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'MQTT clients API: native routes SigV4, /api/v4 and /api/v5 HTTP Basic app credentials',
      createDefaultStage: false,
      defaultAuthorizer: iamAuthorizer,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            userArn: '$context.identity.userArn',
            app: '$context.authorizer.app_id',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            error: '$context.error.message',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    // One integration per function, shared by every route the function serves.
    const integrationOf: Record<ClientHandler, HttpLambdaIntegration> = {
      list: new HttpLambdaIntegration('ListClientsIntegration', this.listClientsFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      get: new HttpLambdaIntegration('GetClientIntegration', this.getClientFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      kick: new HttpLambdaIntegration('KickClientIntegration', this.kickClientFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    };
    const routes = new Map<string, apigwv2.HttpRoute>();
    for (const r of API_ROUTES) {
      routes.set(
        routeKeyOf(r),
        new apigwv2.HttpRoute(this, routeConstructId(r), {
          httpApi: this.httpApi,
          routeKey: apigwv2.HttpRouteKey.with(r.path, apigwv2.HttpMethod[r.method]),
          integration: integrationOf[r.handler],
          authorizer: APP_CREDENTIAL_SURFACES.has(r.surface) ? appAuthorizer : iamAuthorizer,
        }),
      );
    }
    this.routes = routes;
    // execute-api:Invoke means something on the IAM-authorized routes only.
    const native = API_ROUTES.filter((r) => !APP_CREDENTIAL_SURFACES.has(r.surface));
    this.allRoutes = native.map((r) => routes.get(routeKeyOf(r))!);
    this.readRoutes = native.filter((r) => r.method === 'GET').map((r) => routes.get(routeKeyOf(r))!);

    if (isEmqx) {
      // EMQX cannot sign requests: the route takes no IAM, the function checks the bearer token.
      const ingestRoute = new apigwv2.HttpRoute(this, 'IngestEmqxRoute', {
        httpApi: this.httpApi,
        routeKey: apigwv2.HttpRouteKey.with('/ingest/emqx', apigwv2.HttpMethod.POST),
        integration: new HttpLambdaIntegration('IngestEmqxRouteIntegration', this.ingestFunction!, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer: new apigwv2.HttpNoneAuthorizer(),
      });
      Validations.of(ingestRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'EMQX webhooks send static headers and cannot sign SigV4; the ingest function authorizes each request by a constant-time check of a 64-character bearer token kept in Secrets Manager, and the stage throttles the route.',
      });
    }
  }

  /** Lets `grantee` call every native route (SigV4-signed `execute-api:Invoke`); `/api/v4` and `/api/v5` take app credentials instead. */
  public grantInvoke(grantee: iam.IGrantable): void {
    for (const r of this.allRoutes) r.grantInvoke(grantee);
  }

  /** Lets `grantee` call the native GET routes only. */
  public grantRead(grantee: iam.IGrantable): void {
    for (const r of this.readRoutes) r.grantInvoke(grantee);
  }

  /**
   * Lets `grantee` (an operator's role running `npm run apps`) create, list
   * and revoke apps: the apps table only, never the sessions.
   */
  public grantManageApps(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
      resourceArns: [this.appsTable.tableArn],
    });
  }

  /**
   * Lets a broker node (its instance or task role) run the session writer:
   * read-modify-write of single sessions and counter shards, and the index
   * queries of the restart clean-up and the expiry sweep. Still no Scan.
   */
  public grantSessionWrites(grantee: iam.IGrantable): iam.Grant {
    const tableArn = this.table.tableArn;
    const { byConnState, byExpiry } = SESSIONS_TABLE.indexes;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [byConnState, byExpiry].map((index) => `${tableArn}/index/${index.indexName}`),
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [tableArn],
    });
  }
}
