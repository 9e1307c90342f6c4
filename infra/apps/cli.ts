/**
 * `npm run apps -- <command>`: the app credentials of the EMQX-compatible
 * surfaces. Against the local stack (`--endpoint`, the DynamoDB URL its
 * banner prints) or a deployed apps table (`--table`, `--region`, or
 * `--stack` to read the table from the stack's `AppsTableName` output; the
 * caller's AWS credentials, from the default chain).
 *
 *   create <name> [--role administrator|viewer]
 *                   prints the new app's id and secret (the secret only now)
 *   list            every app with its role, revoked ones marked
 *   revoke <id>     the app stops working within the authorizer's cache time
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppStore, roleOf, type App } from '../../functions/apps/app-store.js';
import { APP_ROLES, DEFAULT_APP_ROLE, isAppRole, type AppRole } from '../../functions/http/app-role.js';
import { createDocumentClient } from '../../functions/sessions/dynamodb.js';
import { LOCAL_CLIENT_CONFIG } from '../local/dynamodb-local.js';
import { quietAwsSdk } from '../local/preflight.js';
import { awsTargetLine, resolveTarget } from './target.js';

const USAGE = `usage: npm run apps -- <create <name> [--role <role>] | list | revoke <app id>> [--table <name> | --stack <stack name>] [--region <region>] [--endpoint <url>] [--json]`;

const HELP = `${USAGE}

The app credentials (id and secret, HTTP Basic) of /api/v4 and /api/v5.

  create <name>       prints the new app's id and secret (the secret only now)
  list                every app with its role, revoked ones marked
  revoke <app id>     the app stops working within the authorizer's cache time

  --role <role>       create: administrator (the default: every route) or viewer (every GET, no kick)

  --endpoint <url>    the local stack: the DynamoDB URL npm start prints (or DYNAMODB_ENDPOINT)
  --stack <name>      a deployed stack: its apps table from the stack's AppsTableName output
  --table <name>      a deployed apps table by name (or APPS_TABLE_NAME)
  --region <region>   the deployed stack's region (or AWS_REGION); AWS credentials from the default chain
  --json              machine-readable output
  -h, --help          this text`;

export type AppsCommandOptions = { table: string; region: string; endpoint?: string | undefined; json: boolean; role?: string | undefined };

/** The role asked for: EMQX's publisher may only publish, which this API cannot, so it is refused with the reason. */
export function parseRole(role: string | undefined): AppRole {
  if (role === undefined) return DEFAULT_APP_ROLE;
  if (isAppRole(role)) return role;
  if (role === 'publisher') {
    throw new Error(`--role publisher: EMQX's publisher role may only publish (POST /publish), a route this API does not have; use ${APP_ROLES.join(' or ')}`);
  }
  throw new Error(`--role ${role}: not a role; use ${APP_ROLES.join(' or ')}`);
}

/** Runs one command; returns what to print. Exported for the tests. */
export async function runAppsCommand(args: string[], options: AppsCommandOptions): Promise<string> {
  const [command, argument] = args;
  const role = parseRole(options.role);
  const db = createDocumentClient(
    { endpoint: options.endpoint, region: options.region },
    options.endpoint ? { credentials: LOCAL_CLIENT_CONFIG.credentials } : {},
  );
  const store = new AppStore(db, options.table);
  try {
    switch (command) {
      case 'create': {
        if (!argument) throw new Error(`create needs a name\n${USAGE}`);
        const app = await store.create(argument, { role });
        return options.json
          ? JSON.stringify({ app_id: app.app_id, app_secret: app.secret, name: app.name, role })
          : `app_id     ${app.app_id}\napp_secret ${app.secret}\nrole       ${role}\n(the secret is shown only now; curl -u ${app.app_id}:<secret> …/api/v4/clients)`;
      }
      case 'list': {
        const apps = await store.list();
        if (options.json) return JSON.stringify(apps.map((app) => ({ ...app, role: roleOf(app) })));
        return apps.length === 0 ? 'no apps' : apps.map(describe).join('\n');
      }
      case 'revoke': {
        if (!argument) throw new Error(`revoke needs an app id\n${USAGE}`);
        if (!(await store.revoke(argument))) throw new Error(`no app ${argument}`);
        return `revoked ${argument}`;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    db.destroy();
  }
}

function describe(app: App): string {
  const state = app.revoked_at !== undefined ? `revoked ${new Date(app.revoked_at).toISOString()}` : 'active';
  return `${app.app_id}  ${new Date(app.created_at).toISOString()}  ${roleOf(app).padEnd(13)}  ${state}  ${app.name}`;
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        table: { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        role: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  quietAwsSdk();
  const { values, positionals } = parseCommandLine(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  // A mistyped command is said before the table is looked for.
  if (!['create', 'list', 'revoke'].includes(positionals[0] ?? '')) throw new Error(USAGE);
  if (values.role !== undefined && positionals[0] !== 'create') throw new Error(`--role is an option of create\n${USAGE}`);
  parseRole(values.role);
  const target = await resolveTarget(values);
  const awsLine = awsTargetLine(target);
  if (awsLine !== undefined) process.stderr.write(`${awsLine}\n`);
  const output = await runAppsCommand(positionals, { ...target, json: values.json, role: values.role });
  process.stdout.write(`${output}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`apps: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
