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
 *
 * The parts are built in this construct's scope (so their logical IDs are
 * those deployed stacks hold): sessions-table.ts, app-credentials.ts,
 * brokers/ (one binding per broker kind), http-api.ts, sweeper.ts, counters.ts,
 * dead-letters.ts (where failed asynchronous invocations land) and
 * monitoring/ (alarms, dashboard); the props are checked first (props-check.ts,
 * defaults in defaults.ts).
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as iot from 'aws-cdk-lib/aws-iot';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { getEnvironment, kickEnvironment, listEnvironment, liveStatisticsAlong } from '../../functions/config.js';
import { AppCredentials } from './app-credentials.js';
import { bindBroker } from './brokers/index.js';
import { DeadLetters } from './dead-letters.js';
import type { BrokerSource, ClientsApiProps } from './clients-api-props.js';
import { defaultSweepSchedule } from './defaults.js';
import { buildWebConsole } from './console.js';
import { buildClientsHttpApi, throttleRoutes } from './http-api.js';
import { buildMonitoring } from './monitoring/index.js';
import { checkClientsApiProps } from './props-check.js';
import { generatedSecret, grantSecretRead } from './secrets.js';
import { SessionsTable } from './sessions-table.js';
import { buildSweeper } from './sweeper.js';
import { buildCounterAggregator } from './counters.js';
import { TeamFunction } from './team-function.js';

export type * from './clients-api-props.js';
export { APP_AUTHORIZER_IDENTITY_SOURCE, appCredentialCaches } from './app-credentials.js';
export { AWS_IOT_RULE_SQL } from './brokers/index.js';
export { CLIENTS_API_DEFAULTS, KICK_TIMEOUT_MARGIN_SECONDS, MONITORING_DEFAULTS } from './defaults.js';
export { routeConstructId } from './http-api.js';
export { globalSecondaryIndexProps } from './table-props.js';

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
  /** Keeps the session counters from the sessions table's stream. */
  public readonly aggregateCountersFunction: TeamFunction;
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
  /** The ingest function's URL EMQX posts to, without API Gateway's request charge (EMQX sources only). */
  public readonly ingestUrl: lambda.FunctionUrl | undefined;
  /** Reconciles the table with the EMQX client list (EMQX sources only). */
  public readonly reconcileFunction: TeamFunction | undefined;
  /** The reconciliation schedule (EMQX sources only). */
  public readonly reconcileRule: events.Rule | undefined;
  /** The IoT topic rules feeding the ingest function (AWS IoT only). */
  public readonly iotTopicRules: iot.CfnTopicRule[];
  /** The queue the IoT topic rules send to, consumed by the ingest function (AWS IoT only). */
  public readonly iotEventsQueue: sqs.Queue | undefined;
  /** Where the events queue moves what the ingest function failed to store five times (AWS IoT only). */
  public readonly iotEventsDeadLetterQueue: sqs.Queue | undefined;
  /** The ingest function's URL the IoT topic rules post their batches to, and its rule destination (AWS IoT, `http` delivery). */
  public readonly iotEventsUrl: lambda.FunctionUrl | undefined;
  public readonly iotEventsDestination: iot.CfnTopicRuleDestination | undefined;
  /** The schedule of the sweeper. */
  public readonly sweepRule: events.Rule;
  /** The apps of `/api/v4` and `/api/v5` (functions/apps/table.ts): ids, names, secret hashes, revocations. */
  public readonly appsTable: dynamodb.Table;
  /** The Lambda REQUEST authorizer of the `/api/v4` and `/api/v5` routes (HTTP Basic app id and secret). */
  public readonly authorizeAppFunction: TeamFunction;
  /** Every route of the API, by route key (`GET /api/v4/clients`), built from functions/api/routes.ts. */
  public readonly routes: ReadonlyMap<string, apigwv2.HttpRoute>;
  /** Where failed asynchronous invocations and IoT rule deliveries land (DEPLOY.md, "After deploying"). */
  public readonly deadLetterQueue: sqs.Queue;
  /** The topic every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** The alarms (monitoring/alarms.ts). */
  public readonly alarms: cloudwatch.Alarm[];
  /** The stack's CloudWatch dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly sessions: SessionsTable;
  private readonly appCredentials: AppCredentials;
  private readonly readRoutes: apigwv2.HttpRoute[];
  private readonly allRoutes: apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, props: ClientsApiProps) {
    super(scope, id);
    const checked = checkClientsApiProps(props);
    this.broker = checked.broker;
    const functionDefaults = { memorySize: checked.memorySize, logRetention: checked.logRetention, powertools: checked.powertools };

    this.sessions = new SessionsTable(this, 'SessionsTable', {
      shards: checked.sessionShards,
      warmThroughput: checked.fleet.warmThroughput,
      keepRetiredUsernameIndex: props.keepRetiredUsernameIndex,
      indexWarmThroughput: checked.fleet.indexWarmThroughput,
    });
    this.table = this.sessions.table;
    this.appCredentials = new AppCredentials(this, { functionDefaults, cacheSeconds: checked.appCredentialsCacheSeconds });
    this.appsTable = this.appCredentials.appsTable;
    this.authorizeAppFunction = this.appCredentials.authorizeAppFunction;

    this.cursorSecret = generatedSecret(
      this,
      'CursorSecret',
      'HMAC key that signs the paging cursors of GET /clients',
      'The cursor key only signs paging cursors and reaches the function at deploy time; rotating it would only invalidate cursors in flight, and a rotation would not reach the function without a redeploy.',
    );

    const deadLetters = new DeadLetters(this);
    this.deadLetterQueue = deadLetters.queue;

    const broker = bindBroker(
      {
        scope: this,
        deadLetters,
        sessions: this.sessions,
        functionDefaults,
        brokerTimeoutMs: checked.brokerTimeoutMs,
        queueConsumers: checked.fleet.queueConsumers,
        network: props.vpc ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups } : {},
      },
      this.broker,
    );
    this.controlCredentialsSecret = broker.controlCredentialsSecret;
    this.brokerApiCredentialsSecret = broker.brokerApiCredentialsSecret;
    this.ingestTokenSecret = broker.ingestTokenSecret;
    this.ingestFunction = broker.ingestFunction;
    this.ingestUrl = broker.ingestUrl;
    this.reconcileFunction = broker.reconcileFunction;
    this.reconcileRule = broker.reconcileRule;
    this.iotTopicRules = broker.iotTopicRules;
    this.iotEventsQueue = broker.iotEventsQueue;
    this.iotEventsDeadLetterQueue = broker.iotEventsDeadLetterQueue;
    this.iotEventsUrl = broker.iotEventsUrl;
    this.iotEventsDestination = broker.iotEventsDestination;

    this.listClientsFunction = new TeamFunction(this, 'ListClients', {
      ...functionDefaults,
      entry: 'functions/list-clients.ts',
      description: 'GET /clients',
      timeout: Duration.seconds(10),
      // The value lands in the function configuration in plain text, which
      // is acceptable here: it only signs paging cursors (tamper-evidence of
      // an opaque position), it guards no data and no access, and reading
      // it needs lambda:GetFunctionConfiguration, which already exposes far
      // more. It saves a Secrets Manager call on every cold start.
      environment: listEnvironment({ ...this.sessions.settings, cursorSecret: this.cursorSecret.secretValue.unsafeUnwrap() }),
    });
    this.sessions.bind(this.listClientsFunction, 'read');

    // Where kicks go through EMQX's REST API, a shown client's live counters are read from it too.
    const liveStatistics = liveStatisticsAlong(broker.kickPath);
    this.getClientFunction = new TeamFunction(this, 'GetClient', {
      ...functionDefaults,
      entry: 'functions/get-client.ts',
      description: 'GET /clients/{clientid}',
      timeout: Duration.seconds(10),
      environment: getEnvironment({ ...this.sessions.settings, liveStatistics }),
      ...(liveStatistics ? broker.kickNetwork : {}),
    });
    this.sessions.bind(this.getClientFunction, 'read');
    if (liveStatistics && broker.brokerApiCredentialsSecret) grantSecretRead(this.getClientFunction, 'ReadBrokerApiCredentials', broker.brokerApiCredentialsSecret);

    this.kickClientFunction = new TeamFunction(this, 'KickClient', {
      ...functionDefaults,
      entry: 'functions/kick-client.ts',
      description: 'DELETE /clients/{clientid}',
      timeout: Duration.seconds(checked.kickTimeoutSeconds),
      environment: kickEnvironment({ ...this.sessions.settings, path: broker.kickPath, confirmTimeoutMs: checked.kickConfirmTimeoutMs }),
      ...broker.kickNetwork,
    });
    broker.grantKick(this.kickClientFunction);

    const sweeper = buildSweeper(this, {
      sessions: this.sessions,
      functionDefaults,
      schedule: props.sweepSchedule ?? defaultSweepSchedule(),
      deadLetters,
    });
    this.expireSessionsFunction = sweeper.fn;
    this.sweepRule = sweeper.rule;
    this.aggregateCountersFunction = buildCounterAggregator(this, { sessions: this.sessions, functionDefaults });

    const api = buildClientsHttpApi(this, {
      handlers: { list: this.listClientsFunction, get: this.getClientFunction, kick: this.kickClientFunction },
      appAuthorizer: this.appCredentials.authorizer,
      throttle: checked.throttle,
      logRetention: checked.logRetention,
    });
    this.httpApi = api.httpApi;
    this.stage = api.stage;
    this.accessLogGroup = api.accessLogGroup;
    this.url = this.stage.url;
    this.routes = api.routes;
    this.allRoutes = api.nativeRoutes;
    this.readRoutes = api.nativeReadRoutes;
    throttleRoutes(this.stage, broker.addRoutes?.(this.httpApi) ?? [], checked.ingestThrottle);
    buildWebConsole(this, { httpApi: this.httpApi, memorySize: checked.memorySize, logRetention: checked.logRetention });

    // Built last: it watches every function of the construct.
    const monitoring = buildMonitoring(this, {
      settings: checked.monitoring,
      powertools: checked.powertools,
      tables: { SessionsTable: this.table, AppsTable: this.appsTable },
      deadLetterQueue: this.deadLetterQueue,
      iotEventsQueue: this.iotEventsQueue,
      iotEventsDeadLetterQueue: this.iotEventsDeadLetterQueue,
      httpApi: this.httpApi,
      stage: this.stage,
      ingestRoute: broker.ingestRoute,
      ingestFunction: this.ingestFunction,
      ingestByUrl: this.ingestUrl !== undefined || this.iotEventsUrl !== undefined,
      counterAggregator: this.aggregateCountersFunction,
      iotTopicRules: this.iotTopicRules,
      reconciles: this.reconcileFunction !== undefined,
    });
    this.alarmTopic = monitoring.topic;
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
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
    return this.appCredentials.grantManage(grantee);
  }

  /**
   * Lets a broker node (its instance or task role) run the session writer:
   * read-modify-write of single sessions, and the index queries of the
   * restart clean-up and the expiry sweep. Still no Scan.
   */
  public grantSessionWrites(grantee: iam.IGrantable): iam.Grant {
    return this.sessions.grantWriter(grantee);
  }

  /** A managed policy to attach to the role of broker nodes running `npm run broker` (`broker=mqtt`). */
  public brokerWriterPolicy(id = 'BrokerWriterPolicy'): iam.ManagedPolicy {
    return this.sessions.writerPolicy(this, id);
  }
}
