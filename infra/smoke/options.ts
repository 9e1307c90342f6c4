/** The command line of `npm run smoke`: which deployment, and the credentials each surface takes. */
import { parseArgs } from 'node:util';

export const USAGE =
  'usage: npm run smoke -- (--stack <stack name> [--region <region>] | --api <url> [--ingest-token <token>]) --app <app id>:<secret> [--region <region>]';

export const HELP = `${USAGE}

Proves a deployment end to end, and cleans up after itself. One line a step:
  ok    the step passed
  FAIL  the step failed: what happened, and what to check
  skip  the step could not run here, and why
Exit code 0 only when no step failed.

  --stack <name>         a deployed stack: ApiUrl, the ingest URL and the ingest token's secret from its outputs
                         (read with your AWS credentials, the default chain)
  --api <url>            any running API instead: the deployed stage URL, or npm start's http://127.0.0.1:8080
  --app <id>:<secret>    an administrator app of /api/v4 and /api/v5 (npm run apps -- create smoke)
  --ingest-token <token> the bearer token of POST /ingest/emqx: enables the synthetic session with --api
                         (with --stack it is read from the stack's ingest token secret)
  --region <region>      SigV4 region (default: from the execute-api URL, else AWS_REGION, else us-east-1)
  -h, --help             this text

Native routes are signed with SigV4 from the default AWS credential chain (for npm start: the
LOCAL_ACCESS_KEY_ID / LOCAL_SECRET_ACCESS_KEY pair its banner prints, as AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY).`;

export type SmokeOptions =
  | { help: true }
  | {
      help: false;
      target: { stack: string } | { api: string };
      app: { id: string; secret: string };
      ingestToken: string | undefined;
      region: string | undefined;
    };

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseSmokeOptions(args: readonly string[]): SmokeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        stack: { type: 'string' },
        api: { type: 'string' },
        app: { type: 'string' },
        'ingest-token': { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  if (values.help) return { help: true };
  if (values.stack !== undefined && values.api !== undefined) throw new UsageError(`give --stack or --api, not both\n${USAGE}`);
  if (values.stack === undefined && values.api === undefined) throw new UsageError(`give --stack <stack name> or --api <url>\n${USAGE}`);
  if (values.api !== undefined && !/^https?:\/\/[^/]/.test(values.api)) throw new UsageError(`--api ${values.api}: not an http(s) URL\n${USAGE}`);
  if (values.app === undefined) throw new UsageError(`give --app <app id>:<secret> (npm run apps -- create smoke)\n${USAGE}`);
  const colon = values.app.indexOf(':');
  if (colon <= 0 || colon === values.app.length - 1) throw new UsageError(`--app: expected <app id>:<secret>\n${USAGE}`);
  return {
    help: false,
    target: values.stack !== undefined ? { stack: values.stack } : { api: values.api! },
    app: { id: values.app.slice(0, colon), secret: values.app.slice(colon + 1) },
    ingestToken: values['ingest-token'],
    region: values.region,
  };
}
