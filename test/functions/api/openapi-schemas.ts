/**
 * Checks answers against the OpenAPI document: the schema of a route's
 * response for a status, compiled with ajv (JSON Schema 2020-12, strict).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenApiDocument } from '../../../functions/api/openapi.js';

type Json = unknown;

/** The document's `#/components/schemas/X` references as `#/$defs/X`, so a schema compiles on its own. */
function localRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(localRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, key === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : localRefs(v)]),
  );
}

export type ResponseCheck = {
  /** Errors of the body against the document's schema for this route and status; empty when it conforms. */
  errors(path: string, method: string, status: number, body: unknown): string[];
  /** Compiles every component schema (throws on an invalid one). */
  compileAll(): void;
};

export function responseChecker(document: OpenApiDocument): ResponseCheck {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const defs = localRefs(document.components.schemas) as Record<string, Json>;
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Json) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ ...(localRefs(schema) as object), $defs: defs });
      compiled.set(key, validate);
    }
    return validate;
  };
  return {
    errors(path, method, status, body) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      if (!operation) return [`no operation ${method} ${path} in the document`];
      const response = operation.responses[String(status)];
      if (!response) return [`${method} ${path}: status ${status} is not documented`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return body === undefined || body === '' ? [] : [`${method} ${path} ${status}: documented without a body, got one`];
      const validate = compile(`${method} ${path} ${status}`, schema);
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${method} ${path} ${status}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    },
    compileAll() {
      for (const [name, schema] of Object.entries(document.components.schemas)) compile(`component ${name}`, schema);
    },
  };
}
