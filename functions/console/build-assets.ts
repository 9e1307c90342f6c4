/**
 * Builds the console from functions/console/web: its script and style
 * bundled and minified by esbuild under content-hashed names, and the page
 * naming them. Runs where the stack is synthesized (infra/aws/console.ts) and
 * in the local server, never in a Lambda function.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions, type BuildResult } from 'esbuild';
import type { ConsoleAssets } from './assets.js';
import { CONSOLE_PAGE_PATH } from './routes.js';

export const CONSOLE_WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Files served as they are, under a name with their hash. */
const STATIC_FILES = ['icon.svg'];

const OPTIONS: BuildOptions = {
  entryPoints: { main: join(CONSOLE_WEB_DIR, 'main.ts'), styles: join(CONSOLE_WEB_DIR, 'styles.css') },
  entryNames: '[name].[hash]',
  outdir: join(CONSOLE_WEB_DIR, 'out'),
  bundle: true,
  minify: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  tsconfig: join(CONSOLE_WEB_DIR, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'silent',
};

const hashOf = (body: string) => createHash('sha256').update(body).digest('base64url').replace(/[-_]/g, '').slice(0, 10);

function assetsOf(result: BuildResult<{ write: false }>): ConsoleAssets {
  const files: ConsoleAssets['files'] = {};
  for (const output of result.outputFiles) {
    if (output.path.endsWith('.map')) continue;
    files[basename(output.path)] = { contentType: CONTENT_TYPES[extname(output.path)]!, body: output.text };
  }
  const named: Record<string, string> = {};
  for (const name of STATIC_FILES) {
    const body = readFileSync(join(CONSOLE_WEB_DIR, name), 'utf8');
    const hashed = `${basename(name, extname(name))}.${hashOf(body)}${extname(name)}`;
    files[hashed] = { contentType: CONTENT_TYPES[extname(name)]!, body };
    named[name] = hashed;
  }
  const find = (prefix: string, ext: string) => Object.keys(files).find((n) => n.startsWith(`${prefix}.`) && n.endsWith(ext))!;
  const url = (name: string) => `${CONSOLE_PAGE_PATH}/${name}`;
  const html = readFileSync(join(CONSOLE_WEB_DIR, 'index.html'), 'utf8')
    .replace('{{script}}', url(find('main', '.js')))
    .replace('{{style}}', url(find('styles', '.css')))
    .replace('{{icon}}', url(named['icon.svg']!));
  return { html, files };
}

/** For the local server. */
export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  return assetsOf(await build({ ...OPTIONS, write: false }));
}

/** For `cdk synth`, whose constructs are built synchronously. */
export function buildConsoleAssetsSync(): ConsoleAssets {
  return assetsOf(buildSync({ ...OPTIONS, write: false }));
}
