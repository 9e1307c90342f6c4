/**
 * The import order of functions/: a layer imports only itself and the layers
 * below it (the list runs bottom up), no module imports itself through
 * others, and nothing in functions/ imports infra/ or test/. Checked by
 * test/architecture/layers.test.ts in `npm test`.
 */

/** Bottom up. A folder's files are one layer; a file at the top level of functions/ is named alone. */
const LAYERS = [
  ['vendor', '^functions/vendor/'],
  ['validation', '^functions/validation/'],
  // Why a request failed, in the domain's terms: below everything that throws or shows a failure.
  ['failures', '^functions/failures[.]ts$'],
  ['config', '^functions/(config[.]ts$|config/)'],
  // The lazy chunk loader (see CHUNK_LOADER below) and the secrets read through its SDK chunk.
  ['chunks', '^functions/chunks[.]ts$'],
  ['secrets', '^functions/secrets[.]ts$'],
  // The HTTP frame: event, responses, native errors, logs; it knows failures, not dialects or clients.
  ['http', '^functions/http/'],
  ['sessions', '^functions/sessions/'],
  ['sources', '^functions/sources/'],
  ['control', '^functions/control/'],
  ['clients', '^functions/clients/'],
  ['dialects', '^functions/dialects/'],
  // The routes, the OpenAPI document and the handler factories that compose dialects and clients.
  ['api', '^functions/api/'],
  ['ingest', '^functions/ingest/'],
  ['reconcile', '^functions/reconcile/'],
  ['apps', '^functions/apps/'],
];

/** The Lambda entry files: every other file at the top level of functions/. Nothing imports them. */
const ENTRIES = '^functions/[^/]+[.]ts$';
const IN_LAYERS = LAYERS.map(([, path]) => path);

/**
 * The one exception: the chunk loader names the modules it loads on demand,
 * the OpenAPI document among them (api/openapi.chunk.ts), so that the
 * bundler splits them off each function's cold start. It loads them with
 * import() and nothing below it reaches the api layer through it.
 */
const CHUNK_LOADER = { from: '^functions/chunks[.]ts$', to: '^functions/api/openapi[.]chunk[.]ts$' };

const layerRules = LAYERS.map(([name, path], i) => {
  const above = [...IN_LAYERS.slice(i + 1), ENTRIES];
  const exception = path === CHUNK_LOADER.from ? [CHUNK_LOADER.to] : [];
  return {
    name: `layer-${name}`,
    comment: `${name} imports only itself and the layers below it`,
    severity: 'error',
    from: { path },
    to: { path: above, pathNot: [...IN_LAYERS.slice(0, i + 1), ...exception] },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-entries',
      comment: 'an entry file is what Lambda loads: no module imports one',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ENTRIES, pathNot: IN_LAYERS },
    },
    {
      name: 'config-reads-validation-only',
      comment: 'configuration is parsed from the environment with the validation schemas, nothing else',
      severity: 'error',
      from: { path: '^functions/(config[.]ts$|config/)' },
      to: { path: '^functions/', pathNot: ['^functions/(config[.]ts$|config/)', '^functions/validation/'] },
    },
    {
      name: 'no-circular',
      comment: 'a module does not import itself through others',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-infra-or-test',
      comment: 'functions/ is what is deployed: it never imports the stacks, the local stack or the tests',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(infra|test)/' },
    },
  ],
  options: {
    // Type-only imports count: a layer that names a type of a layer above depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: ['node_modules', '^(infra|test)/'] },
    exclude: { path: 'node_modules' },
  },
};

module.exports.LAYERS = LAYERS;
