/**
 * The EMQX 4 clients API on AWS: the sessions table, four functions and an
 * IAM-authorized HTTP API. Usable from any CDK app:
 *
 *   new ClientsApi(stack, 'ClientsApi', {
 *     controlBrokerUrl: 'mqtts://broker.internal:8883',
 *     controlCredentialsSecretArn: 'arn:aws:secretsmanager:...:secret:broker-control-AbCdEf',
 *   });
 */
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SESSION_INDEXES, SESSIONS_TABLE, type IndexDefinition, type KeyAttribute } from '../../functions/sessions/table.js';
import { TeamFunction, type PowertoolsLogLevel } from './team-function.js';

/** API Gateway stage throttling. */
export interface ClientsApiThrottle {
  /** Steady-state requests per second across the API. */
  readonly rateLimit: number;
  /** Requests the API accepts in a burst above the rate. */
  readonly burstLimit: number;
}

export interface ClientsApiProps {
  /**
   * URL of the broker the kick function connects to for the control channel
   * (CONTROL_BROKER_URL), e.g. `mqtts://broker.internal:8883`.
   */
  readonly controlBrokerUrl: string;
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
   * VPC for the kick function, to reach a private broker. The subnets need a
   * route to DynamoDB and Secrets Manager (NAT or VPC endpoints).
   * @default - the kick function runs outside any VPC
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
} as const;

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
  /** The HTTP API; every route requires SigV4 (AWS_IAM). */
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
  /** Credentials of the broker control channel. */
  public readonly controlCredentialsSecret: secretsmanager.ISecret;
  /** The schedule of the sweeper. */
  public readonly sweepRule: events.Rule;

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
    const kickTimeoutSeconds = Math.ceil(kickConfirmTimeoutMs / 1000) + KICK_TIMEOUT_MARGIN_SECONDS;
    const memorySize = integerIn(props.memorySize ?? CLIENTS_API_DEFAULTS.memorySize, 'memorySize', 128, 10240);
    const throttle = props.throttle ?? CLIENTS_API_DEFAULTS.throttle;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    if (!Token.isUnresolved(props.controlBrokerUrl) && !/^(mqtts?|wss?|tcp|ssl):\/\/[^/\s]+/.test(props.controlBrokerUrl)) {
      throw new Error(
        `controlBrokerUrl must be an mqtt://, mqtts://, ws://, wss://, tcp:// or ssl:// URL, got "${props.controlBrokerUrl}"`,
      );
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

    if (props.controlCredentialsSecret && props.controlCredentialsSecretArn) {
      throw new Error('Give controlCredentialsSecret or controlCredentialsSecretArn, not both');
    }
    if (props.controlCredentialsSecret) {
      this.controlCredentialsSecret = props.controlCredentialsSecret;
    } else if (props.controlCredentialsSecretArn) {
      this.controlCredentialsSecret = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'ControlCredentials',
        props.controlCredentialsSecretArn,
      );
    } else {
      throw new Error('ClientsApi needs controlCredentialsSecret or controlCredentialsSecretArn');
    }

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

    this.kickClientFunction = new TeamFunction(this, 'KickClient', {
      ...common,
      entry: 'functions/kick-client.ts',
      description: 'DELETE /clients/{clientid}',
      timeout: Duration.seconds(kickTimeoutSeconds),
      environment: {
        ...common.environment,
        CONTROL_BROKER_URL: props.controlBrokerUrl,
        CONTROL_CREDENTIALS_SECRET_ARN: this.controlCredentialsSecret.secretArn,
        CONTROL_TOPIC_PREFIX: props.controlTopicPrefix ?? CLIENTS_API_DEFAULTS.controlTopicPrefix,
        KICK_CONFIRM_TIMEOUT_MS: String(kickConfirmTimeoutMs),
      },
      ...(props.vpc
        ? {
            vpc: props.vpc,
            ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
            ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
          }
        : {}),
    });

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

    this.kickClientFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSession',
        actions: ['dynamodb:GetItem'],
        resources: [tableArn],
      }),
    );
    this.kickClientFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadControlCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          // An imported secret known by its partial ARN matches any suffix.
          this.controlCredentialsSecret.secretFullArn ?? `${this.controlCredentialsSecret.secretArn}-??????`,
        ],
      }),
    );
    this.controlCredentialsSecret.encryptionKey?.grantDecrypt(this.kickClientFunction);

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

    // --- HTTP API -------------------------------------------------------
    // SigV4 on every route; the default also covers any route added later.
    const authorizer = new HttpIamAuthorizer();
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'EMQX 4 compatible clients API (SigV4)',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
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
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    const route = (id: string, path: string, method: apigwv2.HttpMethod, fn: TeamFunction): apigwv2.HttpRoute =>
      new apigwv2.HttpRoute(this, id, {
        httpApi: this.httpApi,
        routeKey: apigwv2.HttpRouteKey.with(path, method),
        integration: new HttpLambdaIntegration(`${id}Integration`, fn, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer,
      });
    const listRoute = route('ListClientsRoute', '/clients', apigwv2.HttpMethod.GET, this.listClientsFunction);
    const getRoute = route('GetClientRoute', '/clients/{clientid}', apigwv2.HttpMethod.GET, this.getClientFunction);
    const kickRoute = route('KickClientRoute', '/clients/{clientid}', apigwv2.HttpMethod.DELETE, this.kickClientFunction);
    this.readRoutes = [listRoute, getRoute];
    this.allRoutes = [listRoute, getRoute, kickRoute];
  }

  /** Lets `grantee` call every route (SigV4-signed `execute-api:Invoke`). */
  public grantInvoke(grantee: iam.IGrantable): void {
    for (const r of this.allRoutes) r.grantInvoke(grantee);
  }

  /** Lets `grantee` call the two GET routes only. */
  public grantRead(grantee: iam.IGrantable): void {
    for (const r of this.readRoutes) r.grantInvoke(grantee);
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
