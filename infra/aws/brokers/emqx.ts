/**
 * An EMQX 5 or 4.4 cluster: its webhooks post to the ingest function's URL
 * (or, as before, to `POST /ingest/emqx` on the API; bearer token either
 * way), kicks go through its REST API, and a schedule reconciles the table
 * with its client list.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { emqxIngestEnvironment, reconcileEnvironment, type EmqxApiSettings } from '../../../functions/config.js';
import type { EmqxBrokerSource } from '../clients-api-props.js';
import { defaultReconcileSchedule } from '../defaults.js';
import { lambdaIntegration } from '../http-api.js';
import { generatedSecret, givenSecret, grantSecretRead } from '../secrets.js';
import { TeamFunction } from '../team-function.js';
import type { BrokerBinding, BrokerContext } from './binding.js';

/** The reconcile function's limit: a list of a million sessions pages through in well under it. */
const RECONCILE_TIMEOUT_SECONDS = 240;

/** The path EMQX webhooks post to. */
const INGEST_PATH = '/ingest/emqx';

export function bindEmqxBroker(context: BrokerContext, broker: EmqxBrokerSource): BrokerBinding {
  const { scope, sessions, functionDefaults } = context;
  const apiCredentials = givenSecret(scope, 'BrokerApiCredentials', broker.apiCredentialsSecret, broker.apiCredentialsSecretArn, 'EMQX API credentials');
  const ingestToken = generatedSecret(
    scope,
    'IngestToken',
    'Bearer token EMQX sends to POST /ingest/emqx (Authorization: Bearer <token>)',
    'The token is typed into the broker configuration by its operator; an automatic rotation would cut the broker off until the broker is reconfigured. Rotate it together with the broker configuration (the function re-reads it every five minutes).',
  );
  const emqxApi: EmqxApiSettings = { baseUrl: broker.apiUrl, credentialsSecretArn: apiCredentials.secretArn, timeoutMs: context.brokerTimeoutMs };

  const ingestFunction = new TeamFunction(scope, 'IngestEmqx', {
    ...functionDefaults,
    entry: 'functions/ingest-emqx.ts',
    description: 'POST /ingest/emqx (EMQX webhooks)',
    // Answers within 4 s by itself (EMQX 4 waits 5 s); the limit only bounds a stuck invocation.
    timeout: Duration.seconds(10),
    environment: emqxIngestEnvironment({ ...sessions.settings, ingestToken: { tokenSecretArn: ingestToken.secretArn } }),
  });
  sessions.bind(ingestFunction, 'write');
  grantSecretRead(ingestFunction, 'ReadIngestToken', ingestToken);
  // No API Gateway request charge: the function URL hands over the same payload format 2.0 event.
  // EMQX cannot sign requests: the URL takes no IAM, the function checks the bearer token as on the route.
  const ingestUrl = ingestFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });

  const reconcileFunction = new TeamFunction(scope, 'ReconcileSessions', {
    ...functionDefaults,
    entry: 'functions/reconcile-sessions.ts',
    description: `Reconciles the sessions table with the ${broker.kind} client list (scheduled)`,
    timeout: Duration.seconds(RECONCILE_TIMEOUT_SECONDS),
    environment: reconcileEnvironment({
      ...sessions.settings,
      source: broker.kind,
      emqx: emqxApi,
      ...(broker.reconcileDriftInterval ? { driftMinutes: broker.reconcileDriftInterval.toMinutes() } : {}),
    }),
    // The next scheduled run repairs what a failed one left; retries would overlap it.
    retryAttempts: 0,
    deadLetterQueue: context.deadLetters.queue,
    ...context.network,
  });
  sessions.bind(reconcileFunction, 'reconcile');
  grantSecretRead(reconcileFunction, 'ReadBrokerApiCredentials', apiCredentials);

  const reconcileRule = new events.Rule(scope, 'ReconcileSchedule', {
    description: `Reconciles the sessions table with the ${broker.kind} client list`,
    schedule: broker.reconcileSchedule ?? defaultReconcileSchedule(),
    targets: [new targets.LambdaFunction(reconcileFunction, { retryAttempts: 0, deadLetterQueue: context.deadLetters.queue })],
  });

  return {
    kickPath: { via: broker.kind, emqx: emqxApi },
    kickNetwork: context.network,
    grantKick: (kick) => {
      // The broker's API acts before it answers: the kick records the end itself.
      sessions.bind(kick, 'write');
      grantSecretRead(kick, 'ReadBrokerApiCredentials', apiCredentials);
    },
    brokerApiCredentialsSecret: apiCredentials,
    ingestTokenSecret: ingestToken,
    ingestFunction,
    ingestUrl,
    reconcileFunction,
    reconcileRule,
    iotTopicRules: [],
    ingestRoute: { method: 'POST', path: INGEST_PATH },
    addRoutes: (httpApi) => {
      // EMQX cannot sign requests: the route takes no IAM, the function checks the bearer token.
      const route = new apigwv2.HttpRoute(scope, 'IngestEmqxRoute', {
        httpApi,
        routeKey: apigwv2.HttpRouteKey.with(INGEST_PATH, apigwv2.HttpMethod.POST),
        integration: lambdaIntegration('IngestEmqxRouteIntegration', ingestFunction),
        authorizer: new apigwv2.HttpNoneAuthorizer(),
      });
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'EMQX webhooks send static headers and cannot sign SigV4; the ingest function authorizes each request by a constant-time check of a 64-character bearer token kept in Secrets Manager, and the stage throttles the route.',
      });
      return [route];
    },
  };
}
