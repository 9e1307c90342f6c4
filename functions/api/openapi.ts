/**
 * The OpenAPI 3.1 document of the API, built from the route table and from
 * the zod schemas that validate requests (the list parameters of each
 * surface's grammar) and describe responses (response-schema.ts), so that
 * what it says cannot part from what the handlers do.
 */
import * as z from '../validation/zod.js';
import { MAX_BULK_KICK } from '../clients/bulk-kick.js';
import { API_ROUTES, type Action, type ApiRoute, type Surface } from './routes.js';
import { inputSchema, listParameters, pathParameters, type JsonSchema, type Parameter } from './openapi-parameters.js';
import * as bodies from './response-schema.js';

/** The version of the API's contract (info.version): raised when a route or a field changes. */
export const API_VERSION = '0.1.0';

type Response = { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: JsonSchema }> };
type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  summary: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
};
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};

/** The named response schemas: each becomes components.schemas.<name>. */
const COMPONENTS = {
  NativeClient: bodies.NativeClient,
  NativeListedClient: bodies.NativeListedClient,
  NativeListPage: bodies.NativeListPage,
  NativeClientList: bodies.NativeClientList,
  NativeSubscriptions: bodies.NativeSubscriptions,
  NativeNodes: bodies.NativeNodes,
  KickDone: bodies.KickDone,
  KickPending: bodies.KickPending,
  BulkKickResults: bodies.BulkKickResults,
  NativeError: bodies.NativeError,
  GatewayError: bodies.GatewayError,
  Emqx4Client: bodies.Emqx4Client,
  Emqx4ListedClient: bodies.Emqx4ListedClient,
  Emqx4ListPage: bodies.Emqx4ListPage,
  Emqx4ClientList: bodies.Emqx4ClientList,
  Emqx4Subscriptions: bodies.Emqx4Subscriptions,
  Emqx4Nodes: bodies.Emqx4Nodes,
  Emqx4Kick: bodies.Emqx4Kick,
  Emqx4AclCache: bodies.Emqx4AclCache,
  Emqx5Client: bodies.Emqx5Client,
  Emqx5ListPage: bodies.Emqx5ListPage,
  Emqx5CursorPage: bodies.Emqx5CursorPage,
  Emqx5Subscriptions: bodies.Emqx5Subscriptions,
  Emqx5Node: bodies.Emqx5Node,
  Emqx5Nodes: bodies.Emqx5Nodes,
  Emqx5Error: bodies.Emqx5ErrorBody,
  OpenApiDocument: bodies.OpenApiDocumentBody,
} as const;
type ComponentName = keyof typeof COMPONENTS;

const SCHEMA_PREFIX = '#/components/schemas/';
const ref = (name: ComponentName): JsonSchema => ({ $ref: `${SCHEMA_PREFIX}${name}` });


function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  // Registered by their objects: a schema reused under two names (EMQX 4's subscriptions are the native ones) keeps the first.
  for (const [name, schema] of Object.entries(COMPONENTS)) if (!registry.has(schema)) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: (id) => `${SCHEMA_PREFIX}${id}` });
  const out: Record<string, JsonSchema> = {};
  for (const name of Object.keys(COMPONENTS) as ComponentName[]) {
    const id = registry.get(COMPONENTS[name])!.id;
    const { $schema: _s, $id: _i, ...schema } = schemas[id] as JsonSchema;
    out[name] = id === name ? schema : ref(id as ComponentName);
  }
  return out;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const answer = (description: string, name?: ComponentName): Response => ({ description, ...(name ? { content: json(ref(name)) } : {}) });
const anyOf = (description: string, ...names: ComponentName[]): Response => ({ description, content: json({ anyOf: names.map(ref) }) });
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' } } };

/** The answers any request of a surface may end in besides its own. */
function commonErrors(surface: Surface): Record<string, Response> {
  const error: ComponentName = surface === 'emqx5' ? 'Emqx5Error' : 'NativeError';
  return {
    ...(surface === 'emqx4' ? {} : { '400': answer('A parameter or the body is invalid; the message names it', error) }),
    '401': anyOf('Missing or wrong credentials (the local stack answers `{code: 401, message}`)', 'NativeError', 'GatewayError'),
    '403':
      surface === 'native'
        ? answer('Deployed: API Gateway refused the signature or the credentials', 'GatewayError')
        : anyOf("Deployed: API Gateway refused the credentials; or a kick by a viewer app (the app's role)", error, 'GatewayError'),
    '500': answer('Internal error, never a stack trace', error),
    '503': { ...answer('The sessions store is busy or the broker unreachable; retry', error), headers: RETRY_AFTER },
  };
}

/** The success (and not-found) answers of one route. */
function ownResponses(surface: Surface, action: Action): Record<string, Response> {
  // EMQX 4's minirest answers a bad parameter with HTTP 200 and code 108.
  const v4 = (name: ComponentName): Response => anyOf('The answer, or a bad parameter (code 108) with HTTP 200', name, 'NativeError');
  const notFound = answer('No such client', surface === 'emqx5' ? 'Emqx5Error' : 'NativeError');
  const noContent: Response = { description: 'Done' };
  const notImplemented = answer('The broker (KICK_VIA aws-iot or mqtt) has no management API', 'NativeError');
  switch (`${surface}:${action}`) {
    case 'native:listClients':
      return { '200': answer('One page of clients', 'NativeListPage') };
    case 'native:getClient':
      return { '200': answer('The client as a list of one, or an empty list', 'NativeClientList') };
    case 'native:getSubscriptions':
      return { '200': answer("The client's subscriptions", 'NativeSubscriptions'), '404': notFound };
    case 'native:listNodes':
      return { '200': answer('Every node that holds sessions, with its counts by state', 'NativeNodes') };
    case 'native:kickClient':
      return {
        '200': answer('Kicked, and the broker confirmed it', 'KickDone'),
        '202': answer('The broker took the kick but has not confirmed it yet', 'KickPending'),
        '404': notFound,
      };
    case 'native:kickClients':
    case 'emqx4:kickClients':
      return { '200': answer('The outcome of each kick', 'BulkKickResults') };
    case 'native:openapiDocument':
      return { '200': answer('This document', 'OpenApiDocument') };
    case 'emqx4:listClients':
      return { '200': v4('Emqx4ListPage') };
    case 'emqx4:getClient':
    case 'emqx4:getClientsByUsername':
      return { '200': v4('Emqx4ClientList') };
    case 'emqx4:getSubscriptions':
      return { '200': v4('Emqx4Subscriptions') };
    case 'emqx4:listNodes':
      return { '200': answer('Every node that holds sessions', 'Emqx4Nodes') };
    case 'emqx4:kickClient':
      return { '200': v4('Emqx4Kick') };
    case 'emqx4:listAclCache':
      return { '200': v4('Emqx4AclCache'), '501': notImplemented };
    case 'emqx4:cleanAclCache':
    case 'emqx4:subscribe':
    case 'emqx4:unsubscribe':
      return { '200': anyOf('Done (code 0); a client the broker does not hold (code 112) or a bad parameter (108, 115, 116), with HTTP 200', 'KickDone', 'NativeError'), '501': notImplemented };
    case 'emqx5:listClients':
      return { '200': answer('One page of clients', 'Emqx5ListPage') };
    case 'emqx5:listClientsByCursor':
      return { '200': answer('One page of clients', 'Emqx5CursorPage') };
    case 'emqx5:getClient':
      return { '200': answer('The client', 'Emqx5Client'), '404': notFound };
    case 'emqx5:getSubscriptions':
      return { '200': answer("The client's subscriptions", 'Emqx5Subscriptions'), '404': notFound };
    case 'emqx5:listNodes':
      return { '200': answer('Every node that holds sessions', 'Emqx5Nodes') };
    case 'emqx5:getNode':
      return { '200': answer('The node, if it holds sessions', 'Emqx5Node'), '404': answer('No node of that name holds sessions', 'Emqx5Error') };
    case 'emqx5:kickClient':
      return { '204': noContent, '404': notFound };
    case 'emqx5:kickClients':
      return { '204': noContent };
    default:
      throw new Error(`no responses described for ${surface} ${action}`);
  }
}

const SUMMARIES: Record<Action, string> = {
  listClients: 'List clients',
  listClientsByCursor: 'List clients, paging by cursor',
  listNodes: 'List broker nodes',
  getNode: 'Get a broker node',
  listAclCache: "List a client's ACL cache (through the broker's API)",
  cleanAclCache: "Clean a client's ACL cache (through the broker's API)",
  subscribe: 'Subscribe a client to topics (through the broker\'s API)',
  unsubscribe: 'Unsubscribe a client from a topic (through the broker\'s API)',
  getClient: 'Get a client',
  getClientsByUsername: 'Get the clients of a username',
  getSubscriptions: "Get a client's subscriptions",
  kickClient: 'Kick a client',
  kickClients: 'Kick up to 100 clients',
  openapiDocument: 'This OpenAPI document',
};

const TAGS: Record<Surface, { name: string; description: string }> = {
  native: { name: 'clients', description: 'The native API' },
  emqx4: { name: 'emqx4', description: "EMQX 4.4's /api/v4, as EMQX answers it" },
  emqx5: { name: 'emqx5', description: "EMQX 5.8's /api/v5, as EMQX answers it" },
};

/** Unique per route: the action, prefixed by the surface, suffixed when the route is scoped to a node. */
export function operationIdOf(route: ApiRoute): string {
  const onNode = route.path.includes('/nodes/{node}/') ? 'OnNode' : '';
  if (route.surface === 'native') return `${route.action}${onNode}`;
  return `${route.surface}${route.action[0]!.toUpperCase()}${route.action.slice(1)}${onNode}`;
}

const bulkKickBody = z
  .array(z.string().check(z.minLength(1)))
  .check(z.minLength(1), z.maxLength(MAX_BULK_KICK), z.meta({ description: 'The clientids to kick; repeats are kicked once' }));

/** emqx_mgmt_api_pubsub.erl parse_subscribe_params/1, parse_unsubscribe_params/1. */
const subscribeBody = z.object({
  clientid: z.string(),
  topic: z.optional(z.string().check(z.meta({ description: 'A topic filter' }))),
  topics: z.optional(z.string().check(z.meta({ description: 'Comma-separated topic filters, when there is no topic' }))),
  qos: z.optional(z.int().check(z.gte(0), z.lte(2))),
});
const unsubscribeBody = z.object({ clientid: z.string(), topic: z.string() });

function operationOf(route: ApiRoute): Operation {
  const listing = route.action === 'listClients' || route.action === 'listClientsByCursor';
  const parameters = [...pathParameters(route), ...(listing ? listParameters(route) : [])];
  return {
    operationId: operationIdOf(route),
    // As deployed: IAM on the native routes, an app's Basic credentials on the EMQX ones. The local stack takes either anywhere.
    security: [route.surface === 'native' ? { sigv4: [] } : { basic: [] }],
    summary: SUMMARIES[route.action],
    tags: [TAGS[route.surface].name],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.action === 'kickClients' ? { requestBody: { required: true, content: json(inputSchema(bulkKickBody)) } } : {}),
    ...(route.action === 'subscribe' || route.action === 'unsubscribe'
      ? { requestBody: { required: true, content: json(inputSchema(route.action === 'subscribe' ? subscribeBody : unsubscribeBody)) } }
      : {}),
    responses: { ...ownResponses(route.surface, route.action), ...commonErrors(route.surface) },
  };
}

export function buildOpenApiDocument(routes: readonly ApiRoute[] = API_ROUTES): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MQTT clients API',
      version: API_VERSION,
      description:
        'The EMQX-style clients API of an MQTT broker fleet: list, get and kick clients, natively and as EMQX 4.4 (/api/v4) and EMQX 5.8 (/api/v5) answer. ' +
        'Deployed, the native routes take SigV4 (service execute-api, IAM) and the /api/v4 and /api/v5 routes HTTP Basic with an app id and secret; ' +
        'the local stack takes either on every route (Basic with its printed app id and secret, SigV4 with its local key pair).',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: '/', description: 'The API itself: the deployed stage URL, or http://127.0.0.1:8080 locally' }],
    tags: Object.values(TAGS),
    security: [{ sigv4: [] }, { basic: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4, service execute-api, signed with IAM credentials allowed execute-api:Invoke',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        basic: { type: 'http', scheme: 'basic', description: 'An app id and secret' },
      },
    },
  };
}

let built: string | undefined;

/** The document as JSON text, built once per process. */
export function openapiJson(): string {
  built ??= JSON.stringify(buildOpenApiDocument());
  return built;
}
