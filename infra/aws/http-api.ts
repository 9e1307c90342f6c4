/**
 * The HTTP API, built from the route table (functions/api/routes.ts): native
 * routes IAM-authorized (SigV4), the EMQX-compatible `/api/v4` and `/api/v5`
 * routes behind the app-credentials authorizer, one Lambda integration per
 * function, and the `$default` stage with its throttling and access log:
 * one default for the admin routes, and routes throttled apart from it (the
 * ingest route, whose broker fleet must not starve the admin calls, nor be
 * starved by them). Created in the given scope (logical IDs unchanged).
 */
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_ROUTES, routeKeyOf, type ApiRoute, type ClientHandler } from '../../functions/api/routes.js';
import type { ClientsApiThrottle } from './clients-api-props.js';

/** The surfaces whose routes take HTTP Basic app credentials instead of SigV4. */
const APP_CREDENTIAL_SURFACES: ReadonlySet<ApiRoute['surface']> = new Set(['emqx4', 'emqx5']);

/** `GET /api/v4/clients/{clientid}` → `GetApiV4ClientsClientidRoute`: a stable construct id per route. */
export function routeConstructId(route: Pick<ApiRoute, 'method' | 'path'>): string {
  const words = `${route.method} ${route.path}`.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  return `${words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('')}Route`;
}

/** A payload format 2.0 proxy integration of `fn`. */
export function lambdaIntegration(id: string, fn: lambda.IFunction): HttpLambdaIntegration {
  return new HttpLambdaIntegration(id, fn, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
}

/** What the access log records of each request. */
const ACCESS_LOG_FIELDS = {
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
};

/** The integration id of each handler's function (one integration, shared by every route it serves). */
const INTEGRATION_IDS: Record<ClientHandler, string> = {
  list: 'ListClientsIntegration',
  get: 'GetClientIntegration',
  kick: 'KickClientIntegration',
};

/**
 * Gives `routes` a throttle of their own on `stage`, apart from the stage's
 * default that every other route shares. The stage waits for the routes:
 * API Gateway refuses settings of a route it does not hold yet.
 */
export function throttleRoutes(stage: apigwv2.HttpStage, routes: readonly apigwv2.HttpRoute[], throttle: ClientsApiThrottle): void {
  const cfn = stage.node.defaultChild as apigwv2.CfnStage;
  const settings = { ...(cfn.routeSettings as Record<string, unknown> | undefined) };
  for (const route of routes) {
    settings[routeKeyOfRoute(route)] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
    stage.node.addDependency(route);
  }
  if (routes.length > 0) cfn.routeSettings = settings;
}

/** `POST /ingest/emqx`: the key API Gateway names a route's settings by. */
const routeKeyOfRoute = (route: apigwv2.HttpRoute): string => (route.node.defaultChild as apigwv2.CfnRoute).routeKey;

export interface ClientsHttpApiProps {
  /** The function serving each handler of the route table. */
  readonly handlers: Record<ClientHandler, lambda.IFunction>;
  /** The authorizer of the `/api/v4` and `/api/v5` routes. */
  readonly appAuthorizer: apigwv2.IHttpRouteAuthorizer;
  /** The stage's default: every route without a throttle of its own (the admin routes). */
  readonly throttle: ClientsApiThrottle;
  readonly logRetention: logs.RetentionDays;
}

export interface ClientsHttpApi {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** Every route, by route key (`GET /api/v4/clients`). */
  readonly routes: ReadonlyMap<string, apigwv2.HttpRoute>;
  /** The IAM-authorized routes: those on which execute-api:Invoke means something. */
  readonly nativeRoutes: apigwv2.HttpRoute[];
  /** The native GET routes. */
  readonly nativeReadRoutes: apigwv2.HttpRoute[];
}

export function buildClientsHttpApi(scope: Construct, props: ClientsHttpApiProps): ClientsHttpApi {
  // SigV4 by default, so a route added without an authorizer stays closed.
  const iamAuthorizer = new HttpIamAuthorizer();
  const accessLogGroup = new logs.LogGroup(scope, 'AccessLogs', { retention: props.logRetention });
  const httpApi = new apigwv2.HttpApi(scope, 'HttpApi', {
    description: 'MQTT clients API: native routes SigV4, /api/v4 and /api/v5 HTTP Basic app credentials',
    createDefaultStage: false,
    defaultAuthorizer: iamAuthorizer,
  });
  const stage = new apigwv2.HttpStage(scope, 'DefaultStage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogGroup),
      format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
    },
  });

  const integrations = Object.fromEntries(
    (Object.keys(INTEGRATION_IDS) as ClientHandler[]).map((handler) => [handler, lambdaIntegration(INTEGRATION_IDS[handler], props.handlers[handler])]),
  ) as Record<ClientHandler, HttpLambdaIntegration>;
  const routes = new Map<string, apigwv2.HttpRoute>();
  for (const r of API_ROUTES) {
    routes.set(
      routeKeyOf(r),
      new apigwv2.HttpRoute(scope, routeConstructId(r), {
        httpApi,
        routeKey: apigwv2.HttpRouteKey.with(r.path, apigwv2.HttpMethod[r.method]),
        integration: integrations[r.handler],
        authorizer: APP_CREDENTIAL_SURFACES.has(r.surface) ? props.appAuthorizer : iamAuthorizer,
      }),
    );
  }
  const native = API_ROUTES.filter((r) => !APP_CREDENTIAL_SURFACES.has(r.surface));
  return {
    httpApi,
    stage,
    accessLogGroup,
    routes,
    nativeRoutes: native.map((r) => routes.get(routeKeyOf(r))!),
    nativeReadRoutes: native.filter((r) => r.method === 'GET').map((r) => routes.get(routeKeyOf(r))!),
  };
}
