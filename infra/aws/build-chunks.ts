/**
 * Builds the chunks a handler bundle requires beside it: for each
 * `require("./<p>.chunk.js")` in the bundle, `functions/<p>.chunk.ts` is
 * bundled to `<p>.chunk.js` (and its `.map`) in the bundle's directory, with
 * the team's esbuild options. Only the chunks a bundle requires are built,
 * so a function's package holds no code it cannot load.
 *
 * Run by every TeamFunction after esbuild wrote its bundle:
 * `tsx infra/aws/build-chunks.ts <outputDir>`.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT, TEAM_BUNDLE_FILE, teamEsbuildOptions } from './team-function.js';

/** Where chunk paths are rooted: functions/chunks.ts imports them relative to this directory. */
export const CHUNKS_ROOT = join(PROJECT_ROOT, 'functions');

export type BuiltChunk = {
  /** The path as the bundle requires it, e.g. `./vendor/mqtt.chunk.js`. */
  chunk: string;
  file: string;
  bytes: number;
};

/** The chunks a built file requires, as written in it (`./vendor/mqtt.chunk.js`), sorted. */
export function chunksRequiredBy(code: string): string[] {
  const paths = [...code.matchAll(/\brequire\((["'])(\.\/[^"']+?\.chunk\.js)\1\)/g)].map((match) => match[2]!);
  return [...new Set(paths)].sort();
}

/** The source of a required chunk; refuses a path that leaves functions/ or has no `.chunk.ts` there. */
export function chunkSource(chunk: string, chunksRoot = CHUNKS_ROOT): string {
  const source = resolve(chunksRoot, chunk.replace(/\.js$/, '.ts'));
  if (relative(chunksRoot, source).startsWith('..') || !existsSync(source)) {
    throw new Error(`the bundle requires ${chunk}, but ${relative(PROJECT_ROOT, source)} does not exist (chunks are functions/**/*.chunk.ts, loaded through functions/chunks.ts)`);
  }
  return source;
}

/**
 * Builds every chunk `bundleFile` requires into its directory. A chunk holds
 * third-party code only (test/infra/chunk-sources.test.ts), so it requires
 * no chunk of its own.
 */
export async function buildChunks(bundleFile: string, chunksRoot = CHUNKS_ROOT): Promise<BuiltChunk[]> {
  const chunks = chunksRequiredBy(await readFile(bundleFile, 'utf8'));
  return Promise.all(
    chunks.map(async (chunk) => {
      const file = join(dirname(bundleFile), chunk);
      await build({ ...teamEsbuildOptions(), entryPoints: [chunkSource(chunk, chunksRoot)], outfile: file, logLevel: 'error' });
      return { chunk, file, bytes: (await stat(file)).size };
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outputDir = process.argv[2];
  if (!outputDir) {
    console.error('usage: tsx infra/aws/build-chunks.ts <directory holding the bundle>');
    process.exit(2);
  }
  await buildChunks(join(outputDir, TEAM_BUNDLE_FILE));
}
