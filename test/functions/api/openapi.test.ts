/**
 * The OpenAPI document: valid OpenAPI 3.1 by an independent validator, one
 * operation for every route, list parameters that are exactly what each
 * surface's grammar reads (and accept whatever it accepts), and every answer
 * each dialect renders conforming to the document's response schemas.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openapiJson, operationIdOf } from '../../../functions/api/openapi.js';
import { API_ROUTES, type Action, type ApiRoute, type Surface } from '../../../functions/api/routes.js';
import { MAX_BULK_KICK, type BulkKickResult } from '../../../functions/clients/bulk-kick.js';
import type { KickResult } from '../../../functions/clients/kick-client.js';
import { NATIVE_GRAMMAR, NATIVE_PARAMETERS, NO_MATCH, type ParameterName } from '../../../functions/clients/query-params.js';
import { EMQX4_GRAMMAR } from '../../../functions/dialects/emqx4/query.js';
import { grammarOf } from '../../../functions/dialects/emqx5/query.js';
import { listParserOf } from '../../../functions/dialects/list-parsers.js';
import { DIALECTS } from '../../../functions/dialects/select.js';
import type { FailureReason } from '../../../functions/failures.js';
import type { HttpResponse } from '../../../functions/http/response.js';
import { ZERO_STATISTICS, type ConnState, type LiveSession } from '../../../functions/sessions/model.js';
import { connection } from '../../support/sessions.js';
import { responseChecker } from './openapi-schemas.js';

const document = buildOpenApiDocument();
const checker = responseChecker(document);

function session(clientid: string, state: ConnState): LiveSession {
  const conn = connection({ clientid, username: state === 'idle' ? null : 'user' });
  return {
    ...conn,
    conn_key: `${conn.connected_at}#${conn.conn_id}`,
    conn_state: state,
    disconnected_at: state === 'connected' ? null : conn.connected_at + 5000,
    expires_at: state === 'connected' ? null : conn.connected_at + 3_600_000,
    subscriptions_cnt: 2,
    subs_seq: 1,
    stats_seq: 1,
    ...ZERO_STATISTICS,
    recv_msg: 7,
    'send_msg.qos1': 3,
  };
}

const SESSIONS = [session('a/b c', 'connected'), session('sensor-1', 'disconnected'), session('設備', 'idle')];

const routesOf = (surface: Surface, action: Action) => API_ROUTES.filter((r) => r.surface === surface && r.action === action);

function expectConforms(route: ApiRoute, response: HttpResponse) {
  const body = response.body === '' ? undefined : JSON.parse(response.body);
  expect(checker.errors(route.path, route.method, response.statusCode, body)).toEqual([]);
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has one operation for every route, with unique operation ids', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const ids = API_ROUTES.map(operationIdOf);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of API_ROUTES) {
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      expect(operation.operationId).toBe(operationIdOf(route));
      const pathNames = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(operation.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? []).toEqual(pathNames);
    }
  });

  it('has component schemas that compile as strict JSON Schema 2020-12', () => {
    expect(() => checker.compileAll()).not.toThrow();
  });

  it('is built once per process and served as the same text', () => {
    const text = openapiJson();
    expect(openapiJson()).toBe(text);
    expect(JSON.parse(text)).toEqual(document);
  });

  it('takes a bulk kick body of 1 to 100 clientids', () => {
    const body = document.paths['/clients/kickout/bulk']!.post!.requestBody!.content['application/json']!.schema;
    expect(body).toMatchObject({ type: 'array', minItems: 1, maxItems: MAX_BULK_KICK, items: { type: 'string' } });
  });
});

describe('list parameters', () => {
  const grammars = [
    { route: routesOf('native', 'listClients')[0]!, grammar: NATIVE_GRAMMAR },
    ...routesOf('emqx4', 'listClients').map((route) => ({ route, grammar: EMQX4_GRAMMAR })),
    ...(['listClients', 'listClientsByCursor'] as const).map((action) => ({ route: routesOf('emqx5', action)[0]!, grammar: grammarOf(action) })),
  ];

  it.each(grammars.map((g) => [`${g.route.method} ${g.route.path}`, g] as const))('%s: exactly the names its grammar reads', (_, { route, grammar }) => {
    const documented = document.paths[route.path]!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    const read = Object.entries(grammar.names)
      .filter(([native]) => native in NATIVE_PARAMETERS || native === 'clientid' || native === 'username')
      .map(([, wire]) => wire);
    expect(documented.sort()).toEqual([...read].sort());
  });

  // Values that some grammar takes and some refuses: a documented schema must take every value the parser takes.
  const SAMPLES = ['connected', 'idle', 'bogus', 'true', 'false', 'MQTT', 'MQTT-SN', '0', '4', '-1', '256', '10000', '1700000000', '1700000000000',
    '2026-11-01T00:00:00Z', '10.0.0.1', '::ffff:10.0.0.1', '010.0.0.1', 'all', 'clientid,connected', 'no such field', '1.5', 'abc'];

  it.each(grammars.map((g) => [`${g.route.method} ${g.route.path}`, g] as const))('%s: every value the parser takes, the schema takes', (_, { route, grammar }) => {
    const operation = document.paths[route.path]!.get!;
    const ajv = new Ajv2020({ strict: true });
    for (const [native, wire] of Object.entries(grammar.names)) {
      if (!(native in NATIVE_PARAMETERS)) continue;
      const schema = grammar.schemas?.[native as ParameterName] ?? NATIVE_PARAMETERS[native as ParameterName];
      const parameter = operation.parameters!.find((p) => p.name === wire)!;
      const validate = ajv.compile(parameter.schema);
      // An integer parameter is written as its decimal digits: the schema sees the number.
      const integer = parameter.schema.type === 'integer';
      for (const value of SAMPLES) {
        const parsed = schema.safeParse(value);
        if (!parsed.success || parsed.data === NO_MATCH) continue;
        expect(validate(integer ? Number(value) : value), `${wire}=${value}`).toBe(true);
        if (integer) expect(value, `${wire}=${value}`).toMatch(/^-?\d+$/);
      }
    }
  });

  it.each([
    ['native', 'listClients', '_limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }],
    ['native', 'listClients', '_page', { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 }],
    ['native', 'listClients', 'proto_ver', { type: 'integer', minimum: 0, maximum: 255 }],
    ['emqx4', 'listClients', '_limit', { type: 'integer', minimum: 0, maximum: 10_000, default: 10_000 }],
    ['emqx5', 'listClients', 'limit', { type: 'integer', minimum: 1, maximum: 10_000, default: 100 }],
    ['emqx5', 'listClients', 'page', { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 }],
    ['emqx5', 'listClientsByCursor', 'limit', { type: 'integer', minimum: 1, maximum: 10_000, default: 100 }],
  ] as const)('%s %s: %s is an integer with its bounds and default', (surface, action, name, schema) => {
    const route = routesOf(surface, action)[0]!;
    const parameter = document.paths[route.path]!.get!.parameters!.find((p) => p.name === name)!;
    expect(parameter.schema).toEqual(schema);
  });
});

describe('every rendered answer conforms to the document', () => {
  const surfaces = ['native', 'emqx4', 'emqx5'] as const;
  const meta = { page: 1, limit: 3, hasnext: true, count: 10, cursor: 'eyJ2IjoxfQ.sig' };

  it.each(surfaces)('%s: client lists, whole and with fields=', async (surface) => {
    const dialect = DIALECTS[surface];
    const parseList = await listParserOf(surface);
    for (const route of [...routesOf(surface, 'listClients'), ...routesOf(surface, 'listClientsByCursor')]) {
      const fields = surface === 'emqx5' ? 'fields=clientid,connected,disconnected_at' : 'fields=clientid,connected,disconnected_at';
      for (const query of ['', fields, 'conn_state=connected']) {
        const request = parseList(query, route.path.includes('{node}') ? { node: 'node-a' } : {}, route.action);
        expectConforms(route, dialect.renderList({ sessions: SESSIONS, meta }, request));
        expectConforms(route, dialect.renderList({ sessions: [], meta: { page: 2, limit: 3, hasnext: false, count: -1 } }, request));
      }
    }
  });

  it.each(surfaces)('%s: a client, a username, subscriptions, nodes', (surface) => {
    const dialect = DIALECTS[surface];
    for (const route of routesOf(surface, 'getClient')) {
      for (const s of [...SESSIONS, undefined]) expectConforms(route, dialect.renderClient(s));
    }
    for (const route of routesOf(surface, 'getClientsByUsername')) expectConforms(route, dialect.renderClients(SESSIONS));
    for (const route of routesOf(surface, 'getSubscriptions')) {
      expectConforms(route, dialect.renderSubscriptions(SESSIONS[0], [{ topic: 'a/#', qos: 1 }, { topic: 'b', qos: 2 }]));
      expectConforms(route, dialect.renderSubscriptions(undefined, []));
    }
    for (const route of routesOf(surface, 'listNodes')) {
      expectConforms(route, dialect.renderNodes([{ node: 'node-a', sessions: { connected: 2, idle: 0, disconnected: 1 } }]));
      expectConforms(route, dialect.renderNodes([]));
    }
  });

  it.each(surfaces)('%s: kicks, one and many', (surface) => {
    const dialect = DIALECTS[surface];
    for (const route of routesOf(surface, 'kickClient')) {
      for (const result of ['kicked', 'pending', 'not-found'] as KickResult[]) expectConforms(route, dialect.renderKick(result));
    }
    const results: BulkKickResult[] = [
      { clientid: 'a', outcome: 'kicked' },
      { clientid: 'b', outcome: 'pending' },
      { clientid: 'c', outcome: 'not-found' },
    ];
    for (const route of routesOf(surface, 'kickClients')) {
      expectConforms(route, dialect.renderBulkKick(results));
      expectConforms(route, dialect.renderBulkKick([...results, { clientid: 'd', outcome: 'unavailable' }]));
    }
  });

  it.each(surfaces)('%s: errors', (surface) => {
    const dialect = DIALECTS[surface];
    const everywhere: FailureReason[] = [{ kind: 'store-busy' }, { kind: 'internal' }, { kind: 'deadline-exceeded' }];
    for (const route of API_ROUTES.filter((r) => r.surface === surface && r.action !== 'openapiDocument')) {
      for (const error of everywhere) expectConforms(route, dialect.renderError(error));
    }
    for (const route of [...routesOf(surface, 'listClients'), ...routesOf(surface, 'listClientsByCursor'), ...routesOf(surface, 'kickClients')]) {
      expectConforms(route, dialect.renderError({ kind: 'invalid-parameter', parameter: '_limit', accepts: 'an integer from 1 to 1000' }));
    }
    for (const route of [...routesOf(surface, 'kickClient'), ...routesOf(surface, 'kickClients')]) {
      expectConforms(route, dialect.renderError({ kind: 'broker-unavailable', detail: 'no broker' }));
    }
    for (const route of routesOf(surface, 'kickClient').filter(() => surface !== 'emqx4')) {
      expectConforms(route, dialect.renderError({ kind: 'client-not-found' }));
    }
  });

  it('a schema refuses what a renderer does not make: a missing field, an extra one, a wrong type', () => {
    const route = routesOf('native', 'getClient')[0]!;
    const body = JSON.parse(DIALECTS.native.renderClient(SESSIONS[0]).body);
    const { zone: _, ...withoutZone } = body.data[0];
    expect(checker.errors(route.path, 'GET', 200, { code: 0, data: [withoutZone] })).not.toEqual([]);
    expect(checker.errors(route.path, 'GET', 200, { code: 0, data: [{ ...body.data[0], extra: 1 }] })).not.toEqual([]);
    expect(checker.errors(route.path, 'GET', 200, { code: 0, data: [{ ...body.data[0], port: '1883' }] })).not.toEqual([]);
    expect(checker.errors(route.path, 'GET', 418, body)).not.toEqual([]);
  });
});
