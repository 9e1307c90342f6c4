/**
 * The team's Lambda function: a NodejsFunction with the defaults every
 * function of this project shares, so a handler only states what differs.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/** The directory holding package.json, package-lock.json and functions/. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lock file that pins what esbuild bundles. */
export const DEPS_LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

/** The runtime every function of the team runs on. */
export const TEAM_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * How esbuild bundles every function of the team, in one place so that the
 * bundle benchmark and the bundle-size test build exactly what is deployed.
 * CommonJS: on Node 22 the same bundle loads 15–20 ms sooner through
 * `require` (how Lambda loads a `.js` handler) than as an ES module through
 * `import()`, and needs no `require` shim for bundled CommonJS packages.
 * Source maps are written but not loaded at run time: `--enable-source-maps`
 * costs every cold start (the benchmark measures it); a stack trace is mapped
 * afterwards with the `.map` kept beside the bundle (see DEPLOY.md).
 * Chunks (`*.chunk.js`, loaded through functions/chunks.ts) stay out of the
 * bundle, and `import()` is turned into `require`, so that a chunk is a
 * CommonJS file beside `index.js` that is parsed only when first loaded;
 * build-chunks.ts builds the chunks a bundle requires, with these options.
 */
export const TEAM_BUNDLING = {
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['*.chunk.js'],
  supported: { 'dynamic-import': false },
} as const;

/** The file name NodejsFunction gives the bundle of the format above. */
export const TEAM_BUNDLE_FILE = 'index.js';

/** NODE_OPTIONS of every function; empty: nothing loaded beyond the bundle at start. */
export const TEAM_NODE_OPTIONS: string = '';

/** esbuild's target for the team runtime, as NodejsFunction derives it (`nodejs22.x` → `node22`). */
export const TEAM_ESBUILD_TARGET = `node${/nodejs(\d+)/.exec(TEAM_RUNTIME.name)![1]}`;

/** The esbuild API options NodejsFunction turns {@link TEAM_BUNDLING} into (its CLI flags, one for one). */
export function teamEsbuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: TEAM_ESBUILD_TARGET,
    format: TEAM_BUNDLING.format,
    mainFields: [...TEAM_BUNDLING.mainFields],
    minify: TEAM_BUNDLING.minify,
    sourcemap: TEAM_BUNDLING.sourceMap,
    sourcesContent: TEAM_BUNDLING.sourcesContent,
    external: [...TEAM_BUNDLING.externalModules],
    supported: { ...TEAM_BUNDLING.supported },
  };
}

/** {@link TEAM_BUNDLING}'s `supported` as NodejsFunction's esbuildArgs (`--supported:dynamic-import=false`). */
export const TEAM_ESBUILD_ARGS: Record<string, string> = Object.fromEntries(
  Object.entries(TEAM_BUNDLING.supported).map(([feature, supported]) => [`--supported:${feature}`, String(supported)]),
);

/** The script that builds a bundle's chunks beside it, and the tsx that runs it (no Docker, offline). */
export const BUILD_CHUNKS_SCRIPT = path.join(PROJECT_ROOT, 'infra', 'aws', 'build-chunks.ts');
const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const shellQuoted = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** The shell command that builds the chunks of the bundle in `outputDir` (NodejsFunction's afterBundling). */
export function buildChunksCommand(outputDir: string): string {
  return [process.execPath, TSX_CLI, BUILD_CHUNKS_SCRIPT, outputDir].map(shellQuoted).join(' ');
}

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** Settings read by Powertools for AWS Lambda (Logger, Metrics). */
export interface PowertoolsSettings {
  /** POWERTOOLS_SERVICE_NAME: the `service` of every log line and metric. */
  readonly serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE: the CloudWatch namespace of the EMF metrics. */
  readonly metricsNamespace: string;
  /**
   * POWERTOOLS_LOG_LEVEL.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
}

/**
 * Properties of a {@link TeamFunction}. Runtime, architecture, bundling,
 * role and log group are the team's and cannot be overridden here.
 */
export interface TeamFunctionProps
  extends Omit<
    nodejs.NodejsFunctionProps,
    | 'entry'
    | 'runtime'
    | 'architecture'
    | 'memorySize'
    | 'timeout'
    | 'bundling'
    | 'depsLockFilePath'
    | 'projectRoot'
    | 'role'
    | 'logGroup'
    | 'logRetention'
    | 'code'
    | 'loggingFormat'
    | 'applicationLogLevel'
    | 'applicationLogLevelV2'
    | 'systemLogLevel'
    | 'systemLogLevelV2'
  > {
  /** The handler module, relative to the project root (e.g. `functions/get-client.ts`); it exports `handler`. */
  readonly entry: string;
  /** Memory in MiB; stated explicitly for every function (it also sets the CPU share). */
  readonly memorySize: number;
  /** Maximum run time of one invocation; stated explicitly for every function. */
  readonly timeout: Duration;
  /** Powertools environment of the function. */
  readonly powertools: PowertoolsSettings;
  /**
   * How long the function's own log group keeps its logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Lambda's application log level for a Powertools level: Lambda has no SILENT, FATAL is the nearest. */
export const APPLICATION_LOG_LEVELS: Record<PowertoolsLogLevel, lambda.ApplicationLogLevel> = {
  DEBUG: lambda.ApplicationLogLevel.DEBUG,
  INFO: lambda.ApplicationLogLevel.INFO,
  WARN: lambda.ApplicationLogLevel.WARN,
  ERROR: lambda.ApplicationLogLevel.ERROR,
  SILENT: lambda.ApplicationLogLevel.FATAL,
};

/** What every function of one deployment shares: its memory, log retention and Powertools settings. */
export type TeamFunctionDefaults = Pick<TeamFunctionProps, 'memorySize' | 'logRetention' | 'powertools'>;

/**
 * A Node.js 22 arm64 function bundled locally by esbuild (no Docker): minified
 * CommonJS with its source map beside it (not loaded at run time) and the
 * chunks it loads at first use beside it, the AWS SDK bundled in (the version the lock file
 * pins, not the one the runtime happens to carry), its own log group with a
 * retention, JSON logs without the platform's START/END/REPORT lines (system
 * level WARN: three lines per invocation otherwise, paid per GB ingested) and
 * the application level of its Powertools settings, and its own role that may write to that log group and to nothing
 * else until the caller grants more. No AWS managed policy is attached (none
 * of AWSLambdaBasicExecutionRole's `*` log permissions), except
 * AWSLambdaVPCAccessExecutionRole when the function runs in a VPC.
 */
export class TeamFunction extends nodejs.NodejsFunction {
  /** The function's own log group (it writes there, not to /aws/lambda/<name>); also `this.logGroup`. */
  public readonly functionLogGroup: logs.LogGroup;
  /** The function's execution role; add statements with `addToRolePolicy`. */
  public readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: TeamFunctionProps) {
    const { entry, powertools, logRetention, environment, ...rest } = props;

    // Both are created before super() because NodejsFunction takes them as
    // props; they are siblings of the function, named after it.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });

    super(scope, id, {
      ...rest,
      entry: path.resolve(PROJECT_ROOT, entry),
      handler: 'handler',
      runtime: TEAM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: APPLICATION_LOG_LEVELS[powertools.logLevel ?? 'INFO'],
      depsLockFilePath: DEPS_LOCK_FILE,
      projectRoot: PROJECT_ROOT,
      environment: {
        ...(TEAM_NODE_OPTIONS === '' ? {} : { NODE_OPTIONS: TEAM_NODE_OPTIONS }),
        POWERTOOLS_SERVICE_NAME: powertools.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: powertools.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: powertools.logLevel ?? 'INFO',
        ...environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.CJS,
        mainFields: [...TEAM_BUNDLING.mainFields],
        minify: TEAM_BUNDLING.minify,
        sourceMap: TEAM_BUNDLING.sourceMap,
        sourcesContent: TEAM_BUNDLING.sourcesContent,
        bundleAwsSDK: true,
        externalModules: [...TEAM_BUNDLING.externalModules],
        esbuildArgs: TEAM_ESBUILD_ARGS,
        logLevel: nodejs.LogLevel.WARNING,
        // Only the chunks this bundle requires go into its asset.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => [buildChunksCommand(outputDir)],
        },
      },
    });

    this.functionLogGroup = logGroup;
    this.executionRole = role;

    // Exactly the two actions Lambda uses to ship logs, on this log group only
    // (its ARN covers its streams).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned to nodejs22.x on purpose: it is the version the team builds and tests the handlers on; moving to a newer runtime is a deliberate change.',
    });

    if (props.vpc) {
      // Lambda needs ec2:CreateNetworkInterface and friends to attach the
      // function to the VPC; these actions take no resource-level constraint,
      // so AWS's managed policy is used rather than a hand-written `*`.
      role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'A function in a VPC needs the ENI permissions of AWSLambdaVPCAccessExecutionRole; EC2 offers no resource-level scoping for them, so the AWS-maintained policy is used.',
      });
    }
  }
}
