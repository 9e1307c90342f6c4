/**
 * The web console on AWS: `GET /console` and `GET /console/{asset}` on the
 * clients API's HTTP API, without an authorizer (the page holds no data; its
 * calls to `/api/v5` carry the app's credentials), served by one
 * function whose bundle carries the console's files, built by esbuild when
 * the stack is synthesized. It costs nothing while nobody looks.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { buildConsoleAssetsSync } from '../../functions/console/build-assets.js';
import { CONSOLE_ROUTE_PATHS } from '../../functions/console/routes.js';
import { lambdaIntegration, routeConstructId } from './http-api.js';
import { PROJECT_ROOT, TEAM_BUNDLE_FILE, TEAM_RUNTIME, teamEsbuildOptions } from './team-function.js';

export const CONSOLE_ENTRY = 'functions/serve-console.ts';

let bundleDir: string | undefined;

/** The function's code: its handler with the console's files inside, built once per process. */
export function consoleBundleDir(): string {
  if (bundleDir) return bundleDir;
  const dir = mkdtempSync(path.join(tmpdir(), 'console-bundle-'));
  buildSync({
    ...teamEsbuildOptions(),
    entryPoints: [path.join(PROJECT_ROOT, CONSOLE_ENTRY)],
    outfile: path.join(dir, TEAM_BUNDLE_FILE),
    define: { CONSOLE_ASSETS_JSON: JSON.stringify(JSON.stringify(buildConsoleAssetsSync())) },
    logLevel: 'warning',
  });
  return (bundleDir = dir);
}

export interface WebConsoleProps {
  readonly httpApi: apigwv2.HttpApi;
  /** The memory every function of the deployment states. */
  readonly memorySize: number;
  readonly logRetention?: logs.RetentionDays;
}

export interface WebConsole {
  readonly fn: lambda.Function;
  readonly routes: apigwv2.HttpRoute[];
}

/** Built in the given scope (the ClientsApi's), as the stack's other parts. */
export function buildWebConsole(scope: Construct, props: WebConsoleProps): WebConsole {
  const logGroup = new logs.LogGroup(scope, 'ServeConsoleLogGroup', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
  const role = new iam.Role(scope, 'ServeConsoleRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of ServeConsole',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const fn = new lambda.Function(scope, 'ServeConsole', {
    description: 'GET /console: the web console',
    runtime: TEAM_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(consoleBundleDir()),
    memorySize: props.memorySize,
    timeout: Duration.seconds(3),
    role,
    logGroup,
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The runtime is pinned to the team runtime (nodejs22.x), the version every function of the stack is built and tested on.',
  });

  const integration = lambdaIntegration('ServeConsoleIntegration', fn);
  const routes = CONSOLE_ROUTE_PATHS.map((routePath) => {
    const route = new apigwv2.HttpRoute(scope, routeConstructId({ method: 'GET', path: routePath }), {
      httpApi: props.httpApi,
      routeKey: apigwv2.HttpRouteKey.with(routePath, apigwv2.HttpMethod.GET),
      integration,
      authorizer: new apigwv2.HttpNoneAuthorizer(),
    });
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The console page and its assets are static files holding no data; every call the page makes to /api/v5 carries an app\'s credentials, checked by the app authorizer. The stage throttles the route.',
    });
    return route;
  });
  return { fn, routes };
}
