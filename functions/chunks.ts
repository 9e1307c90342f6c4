/**
 * Code loaded at its first use rather than at cold start. Each `*.chunk.ts`
 * is bundled apart from the handler (`*.chunk.js` beside its `index.js`, see
 * infra/aws/build-chunks.ts), so a cold start parses none of it. Every chunk
 * is imported here and only here: the path stays as written in the bundle and
 * is resolved at run time relative to `index.js`, so it is written relative
 * to `functions/`. Run from source, the same paths resolve to the `.ts` files.
 *
 * A chunk re-exports third-party code only: a project class in a chunk would
 * be a second copy of that class (`instanceof` would fail across the two).
 */
export const loadMqtt = () => import('./vendor/mqtt.chunk.js');
export const loadSecretsManager = () => import('./vendor/secrets-manager.chunk.js');
export const loadIotDataPlane = () => import('./vendor/iot-data-plane.chunk.js');
/** The OpenAPI document as JSON text (plain data, so its own copy of the schemas does no harm). */
export const loadOpenapiJson = () => import('./api/openapi.chunk.js');
