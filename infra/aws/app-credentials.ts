/**
 * App credentials of the EMQX-compatible routes (`/api/v4`, `/api/v5`): the
 * apps table (functions/apps/table.ts), the Lambda REQUEST authorizer that
 * checks HTTP Basic app ids and secrets against it, and the HTTP authorizer
 * the routes use. Created in the given scope (logical IDs unchanged).
 */
import { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { appsEnvironment } from '../../functions/config.js';
import { APPS_TABLE } from '../../functions/apps/table.js';
import { retainedTableProps } from './table-props.js';
import { TeamFunction, type TeamFunctionDefaults } from './team-function.js';

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

export interface AppCredentialsProps {
  readonly functionDefaults: TeamFunctionDefaults;
  /** How long a decision may be reused in all (see {@link appCredentialCaches}). */
  readonly cacheSeconds: number;
}

export class AppCredentials {
  /** The apps: ids, names, secret hashes, revocations. */
  public readonly appsTable: dynamodb.Table;
  /** Checks HTTP Basic app credentials against the apps table. */
  public readonly authorizeAppFunction: TeamFunction;
  /** The routes' authorizer. */
  public readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, props: AppCredentialsProps) {
    // A table of its own: IAM cannot confine the authorizer to a key prefix of
    // the sessions table, as that prefix starts with U+0000 and policy
    // documents hold only U+0009, U+000A, U+000D and U+0020 to U+00FF.
    this.appsTable = new dynamodb.Table(scope, 'AppsTable', retainedTableProps(APPS_TABLE.partitionKey));
    const caches = appCredentialCaches(props.cacheSeconds);

    // Reads the apps table only: no sessions table name in its environment.
    this.authorizeAppFunction = new TeamFunction(scope, 'AuthorizeApp', {
      ...props.functionDefaults,
      entry: 'functions/authorize-app.ts',
      description: 'App credentials (HTTP Basic) of /api/v4 and /api/v5',
      // One lookup and one scrypt check; API Gateway gives an authorizer 10 s.
      timeout: Duration.seconds(5),
      environment: appsEnvironment({ appsTableName: this.appsTable.tableName, cacheTtlMs: caches.recordSeconds * 1000 }),
    });
    this.authorizeAppFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadApps', actions: ['dynamodb:GetItem'], resources: [this.appsTable.tableArn] }),
    );

    // Simple responses: `isAuthorized: false` is API Gateway's 403
    // {"message":"Forbidden"}; a request without an Authorization header is its
    // 401 {"message":"Unauthorized"} before the function runs. HTTP APIs have
    // no gateway responses, so neither carries WWW-Authenticate (DEPLOY.md).
    this.authorizer = new HttpLambdaAuthorizer('AppCredentialsAuthorizer', this.authorizeAppFunction, {
      authorizerName: 'app-credentials',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [APP_AUTHORIZER_IDENTITY_SOURCE],
      resultsCacheTtl: Duration.seconds(caches.gatewaySeconds),
    });
  }

  /**
   * Lets `grantee` (an operator's role running `npm run apps`) create, list
   * and revoke apps: the apps table only, never the sessions.
   */
  grantManage(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
      resourceArns: [this.appsTable.tableArn],
    });
  }
}
