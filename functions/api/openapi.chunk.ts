/**
 * The OpenAPI document, built apart from the list function's bundle: only
 * `GET /openapi.json` needs it. Unlike the vendor chunks it holds project code
 * (its own copy of the route table and the schemas), which is harmless here
 * because what it exports is a plain string.
 */
export { openapiJson } from './openapi.js';
