/**
 * The rules of chunks, read from the sources: a `*.chunk.ts` re-exports
 * third-party code only (a project class in a chunk would be a second copy of
 * it in the deployed function, and `instanceof` would fail across the two),
 * except the OpenAPI chunk, whose export is plain text; and a chunk is
 * imported from functions/chunks.ts only, the one module whose import paths
 * resolve the same from source and from `index.js`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/aws/team-function.js';

/** Chunks allowed to hold project code: their exports are plain data. */
const PLAIN_DATA_CHUNKS = ['functions/api/openapi.chunk.ts'];
const CHUNKS_MODULE = 'functions/chunks.ts';

type Source = { file: string; text: string };

/** Every module specifier of a file: imports, re-exports, `import()` and `require`. */
const specifiersOf = (text: string): string[] => ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);

const isProjectPath = (specifier: string) => specifier.startsWith('.') || specifier.startsWith('/');
const isChunkPath = (specifier: string) => /\.chunk(\.[cm]?[jt]s)?$/.test(specifier);

/** What breaks the rules, one line each. */
export function chunkRuleViolations(sources: Source[]): string[] {
  const problems: string[] = [];
  for (const { file, text } of sources) {
    const specifiers = specifiersOf(text);
    if (file.endsWith('.chunk.ts') && !PLAIN_DATA_CHUNKS.includes(file)) {
      for (const s of specifiers.filter(isProjectPath)) problems.push(`${file} imports project code ${s}`);
    }
    if (file !== CHUNKS_MODULE) {
      for (const s of specifiers.filter(isChunkPath)) problems.push(`${file} imports the chunk ${s} (load it through ${CHUNKS_MODULE})`);
    }
  }
  return problems;
}

function projectSources(dirs: string[]): Source[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.[cm]?ts$/.test(file))
      .map((file) => `${dir}/${file.split('\\').join('/')}`)
      .map((file) => ({ file, text: readFileSync(join(PROJECT_ROOT, file), 'utf8') })),
  );
}

describe('chunk sources', () => {
  const sources = projectSources(['functions', 'infra', 'test']);

  it('keep project code out of chunks and load every chunk through functions/chunks.ts', () => {
    expect(sources.some((s) => s.file.endsWith('.chunk.ts'))).toBe(true);
    expect(chunkRuleViolations(sources)).toEqual([]);
  });

  it('loads every chunk there is, and only chunks that exist', () => {
    const chunks = sources.filter((s) => s.file.endsWith('.chunk.ts')).map((s) => s.file).sort();
    const loaded = specifiersOf(sources.find((s) => s.file === CHUNKS_MODULE)!.text)
      .filter(isChunkPath)
      .map((s) => `functions/${s.replace(/^\.\//, '').replace(/\.js$/, '.ts')}`)
      .sort();
    expect(loaded).toEqual(chunks);
  });

  it('catches a chunk importing project code, and a chunk imported elsewhere', () => {
    expect(
      chunkRuleViolations([
        { file: 'functions/vendor/bad.chunk.ts', text: "export { connect } from 'mqtt';\nexport { ControlChannelError } from '../control/channel.js';\n" },
        { file: 'functions/control/bad.ts', text: "export const load = () => import('../vendor/mqtt.chunk.js');\n" },
        { file: PLAIN_DATA_CHUNKS[0]!, text: "export { openapiJson } from './openapi.js';\n" },
        { file: CHUNKS_MODULE, text: "export const loadMqtt = () => import('./vendor/mqtt.chunk.js');\n" },
      ]),
    ).toEqual([
      'functions/vendor/bad.chunk.ts imports project code ../control/channel.js',
      'functions/control/bad.ts imports the chunk ../vendor/mqtt.chunk.js (load it through functions/chunks.ts)',
    ]);
  });
});
