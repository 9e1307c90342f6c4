/**
 * Each Lambda handler bundled the way the deployment bundles it (esbuild,
 * ES module, minified, Node 22, a `require` banner), its size, and how long a
 * fresh `node` process takes to import it, against a bare `node`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const HANDLERS = ['list-clients', 'get-client', 'kick-client', 'expire-sessions'] as const;

export type BundleResult = {
  handler: string;
  bytes: number;
  gzipBytes: number;
  /** Median wall time of `node -e "await import(bundle)"`, ms. */
  importMs: number;
  /** The same minus a bare `node -e ''`, ms. */
  importOverBareMs: number;
  /** The biggest contributors to the minified bundle, by npm package (or `functions/`), bytes. */
  largestParts: Array<{ part: string; bytes: number }>;
};

/** `node_modules/@scope/name/...` → `@scope/name`; project files → their top directory. */
function partOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.split('/')[0] ?? input;
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0] ?? input;
}

const REQUIRE_BANNER = "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);";

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolvePromise(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function measureBundles(options: { projectRoot: string; env: Record<string, string>; runs: number }): Promise<{ bareNodeMs: number; bundles: BundleResult[] }> {
  const outdir = await mkdtemp(join(tmpdir(), 'bench-bundles-'));
  // Only what a Lambda would have: PATH for nothing, the function's own variables.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  try {
    const bare: number[] = [];
    for (let i = 0; i < options.runs; i++) bare.push(await runNode(['-e', ''], env));
    const bareNodeMs = median(bare);
    const bundles: BundleResult[] = [];
    for (const handler of HANDLERS) {
      const outfile = join(outdir, `${handler}.mjs`);
      const built = await build({
        entryPoints: [resolve(options.projectRoot, 'functions', `${handler}.ts`)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        minify: true,
        target: 'node22',
        banner: { js: REQUIRE_BANNER },
        logLevel: 'error',
        metafile: true,
      });
      const parts = new Map<string, number>();
      for (const output of Object.values(built.metafile.outputs)) {
        for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
      }
      const largestParts = [...parts].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([part, bytes]) => ({ part, bytes }));
      const bytes = (await stat(outfile)).size;
      const gzipBytes = gzipSync(await readFile(outfile)).length;
      const url = pathToFileURL(outfile).href;
      const times: number[] = [];
      for (let i = 0; i < options.runs; i++) times.push(await runNode(['--input-type=module', '-e', `await import(${JSON.stringify(url)});`], env));
      const importMs = median(times);
      bundles.push({ handler, bytes, gzipBytes, importMs, importOverBareMs: importMs - bareNodeMs, largestParts });
    }
    return { bareNodeMs, bundles };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
