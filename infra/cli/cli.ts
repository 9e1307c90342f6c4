/**
 * The command line of the clients API: list, get, kick (one or many), nodes,
 * subscriptions. A readable table by default, JSON with --json; a progress
 * line on stderr while a long listing pages. Exit status: 0 done, 1 no such
 * client, 2 a usage error or a refused request.
 */
import { parseArgs } from 'node:util';
import { ApiCallError, ClientsApi, type Auth, type ClientFilter, type ClientsApiOptions } from '../client/clients-api.js';
import { regionOfUrl } from '../client/sigv4.js';
import { progressLine } from './progress.js';
import { renderTable } from './table.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const USAGE = `usage: npm run cli -- <command> [options]

commands:
  list                     clients, newest first (every page, following the cursor)
  get <clientid>           one client
  kick <clientid>...       kick one client, or several (in requests of up to 100)
  subscriptions <clientid> a client's subscriptions
  nodes                    broker nodes and their sessions by state

options:
  --url <url>              the API (default $CLIENTS_API_URL or ${DEFAULT_URL})
  --basic <id:secret>      HTTP Basic (default $CLIENTS_API_BASIC); without it, SigV4
                           with the default AWS credential chain
  --region <region>        SigV4 region (default: from an execute-api URL, or $AWS_REGION)
  --v4                     use the /api/v4 routes (EMQX 4.4's answers; deployed, they take --basic
                           with an app's id and secret)
  --json                   JSON instead of a table
  --quiet                  no progress line

list filters (the API's parameters, without the leading underscore, with dashes):
  --clientid <id> --username <name>   exact; repeat for any of several
  --node --zone --ip-address --conn-state (connected|idle|disconnected)
  --proto-name --proto-ver --clean-start (true|false)
  --like-clientid --like-username     substring
  --gte-created-at --lte-created-at --gte-connected-at --lte-connected-at
                                      epoch seconds or ms, or RFC 3339
  --gte-mqueue-len --lte-mqueue-len --gte-mqueue-dropped --lte-mqueue-dropped
  --fields <a,b,...>                  only these fields (and columns)
  --page-size <n>                     rows per request, 1 to 1000 (default 1000)
  --max <n>                           stop after n clients
`;

const FILTER_FLAGS = {
  node: 'node',
  zone: 'zone',
  'ip-address': 'ip_address',
  'conn-state': 'conn_state',
  'clean-start': 'clean_start',
  'proto-name': 'proto_name',
  'proto-ver': 'proto_ver',
  'like-clientid': '_like_clientid',
  'like-username': '_like_username',
  'gte-created-at': '_gte_created_at',
  'lte-created-at': '_lte_created_at',
  'gte-connected-at': '_gte_connected_at',
  'lte-connected-at': '_lte_connected_at',
  'gte-mqueue-len': '_gte_mqueue_len',
  'lte-mqueue-len': '_lte_mqueue_len',
  'gte-mqueue-dropped': '_gte_mqueue_dropped',
  'lte-mqueue-dropped': '_lte_mqueue_dropped',
} as const satisfies Record<string, keyof ClientFilter>;

const NUMERIC = new Set<string>(['proto_ver', '_gte_mqueue_len', '_lte_mqueue_len', '_gte_mqueue_dropped', '_lte_mqueue_dropped']);

const LIST_COLUMNS = ['clientid', 'username', 'node', 'connected', 'ip_address', 'proto_ver', 'connected_at'];

export type CliIo = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
};

class UsageError extends Error {}

function options() {
  const filters = Object.fromEntries(Object.keys(FILTER_FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  return {
    url: { type: 'string' as const },
    basic: { type: 'string' as const },
    region: { type: 'string' as const },
    json: { type: 'boolean' as const },
    v4: { type: 'boolean' as const },
    quiet: { type: 'boolean' as const },
    help: { type: 'boolean' as const, short: 'h' },
    clientid: { type: 'string' as const, multiple: true },
    username: { type: 'string' as const, multiple: true },
    fields: { type: 'string' as const },
    'page-size': { type: 'string' as const },
    max: { type: 'string' as const },
    ...filters,
  };
}

function wholeNumber(flag: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${flag} takes a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

export function authOf(values: { basic?: string; region?: string }, url: string, env: CliIo['env']): Auth {
  const basic = values.basic ?? env.CLIENTS_API_BASIC;
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon <= 0) throw new UsageError('--basic takes id:secret');
    return { basic: { id: basic.slice(0, colon), secret: basic.slice(colon + 1) } };
  }
  const region = values.region ?? regionOfUrl(url) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) throw new UsageError('SigV4 needs a region: --region, an execute-api URL, or $AWS_REGION (or use --basic id:secret)');
  return { sigv4: { region } };
}

function filterOf(values: Record<string, unknown>): ClientFilter {
  const filter: Record<string, unknown> = {};
  if (Array.isArray(values.clientid)) filter.clientid = values.clientid;
  if (Array.isArray(values.username)) filter.username = values.username;
  for (const [flag, name] of Object.entries(FILTER_FLAGS)) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    filter[name] = NUMERIC.has(name) ? wholeNumber(flag, value) : name === 'clean_start' ? value === 'true' : value;
  }
  if (typeof values.fields === 'string') filter.fields = values.fields.split(',').filter((f) => f !== '');
  return filter as ClientFilter;
}

const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);

/** Runs one command; resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      write(io.stderr, `${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiCallError) {
      write(io.stderr, `error: ${error.message}`);
      return 2;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    write(io.stderr, `error: ${error instanceof Error ? error.message : String(error)}${cause}`);
    return 2;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: options(), allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    write(io.stdout, USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const url = values.url ?? io.env.CLIENTS_API_URL ?? DEFAULT_URL;
  const apiOptions: ClientsApiOptions = {
    url,
    auth: authOf(values, url, io.env),
    ...(values.v4 ? { surface: 'emqx4' as const } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
  const api = new ClientsApi(apiOptions);
  const json = values.json === true;
  const one = () => {
    if (rest.length !== 1) throw new UsageError(`${command} takes one clientid`);
    return rest[0]!;
  };

  switch (command) {
    case 'list': {
      const filter = filterOf(values);
      const max = values.max !== undefined ? wholeNumber('max', values.max) : Infinity;
      const pageSize = values['page-size'] !== undefined ? wholeNumber('page-size', values['page-size']) : undefined;
      const progress = progressLine(io.stderr, values.quiet !== true);
      const rows: Record<string, unknown>[] = [];
      if (json) io.stdout.write('[');
      try {
        pages: for await (const page of api.pages(filter, pageSize !== undefined ? { pageSize } : {})) {
          for (const client of page.data) {
            if (rows.length >= max) break pages;
            if (json) io.stdout.write(`${rows.length > 0 ? ',' : ''}\n${JSON.stringify(client)}`);
            rows.push(json ? {} : client);
          }
          progress.page(rows.length, page.meta.count >= 0 ? page.meta.count : undefined);
          if (rows.length >= max) break;
        }
      } finally {
        progress.done();
      }
      if (json) write(io.stdout, rows.length > 0 ? '\n]' : ']');
      else write(io.stdout, renderTable(rows, filter.fields ?? LIST_COLUMNS));
      return 0;
    }
    case 'get': {
      const client = await api.get(one());
      if (json) write(io.stdout, JSON.stringify(client ?? null, null, 2));
      else if (client) write(io.stdout, renderTable(Object.entries(client).map(([field, value]) => ({ field, value })), ['field', 'value']));
      if (!client) write(io.stderr, `no client ${JSON.stringify(rest[0])}`);
      return client ? 0 : 1;
    }
    case 'kick': {
      if (rest.length === 0) throw new UsageError('kick takes one or more clientids');
      const results =
        rest.length === 1
          ? [{ clientid: rest[0]!, outcome: (await api.kick(rest[0]!)).outcome }]
          : await api.kickMany(rest);
      if (json) write(io.stdout, JSON.stringify(rest.length === 1 ? results[0] : results, null, 2));
      else write(io.stdout, renderTable(results, ['clientid', 'outcome']));
      return results.some((r) => r.outcome === 'not-found') ? 1 : results.some((r) => r.outcome === 'unavailable') ? 2 : 0;
    }
    case 'subscriptions': {
      const subscriptions = await api.subscriptions(one());
      if (json) write(io.stdout, JSON.stringify(subscriptions ?? null, null, 2));
      else if (subscriptions) write(io.stdout, renderTable(subscriptions, ['topic', 'qos', 'node']));
      if (!subscriptions) write(io.stderr, `no client ${JSON.stringify(rest[0])}`);
      return subscriptions ? 0 : 1;
    }
    case 'nodes': {
      const nodes = await api.nodes();
      if (json) write(io.stdout, JSON.stringify(nodes, null, 2));
      else write(io.stdout, renderTable(nodes, values.v4 ? ['node', 'sessions'] : ['node', 'sessions', 'connected', 'idle', 'disconnected']));
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}
