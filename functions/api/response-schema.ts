/**
 * The response bodies of every surface as zod schemas, for the OpenAPI
 * document. Each mirrors a dialect's renderer (functions/dialects/); the
 * type checks at the end fail to compile if a client object here and the
 * one the renderer builds part ways, and the document's tests compare real
 * answers of the local stack with these schemas.
 */
import * as z from '../validation/zod.js';
import type { ClientObject } from '../clients/render.js';
import type { toEmqx4Client } from '../dialects/emqx4/client.js';
import { EMQX5_FIELD_NAMES, type Emqx5Field } from '../dialects/emqx5/client.js';
import type { Emqx5Code } from '../dialects/emqx5/errors.js';
import { CONN_STATES, PROTO_NAMES, QOS_COUNTER_FIELDS } from '../sessions/model.js';

const count = z.int().check(z.gte(0));
const counters = <const K extends string>(names: readonly K[]) =>
  Object.fromEntries(names.map((name) => [name, count])) as Record<K, typeof count>;

/** EMQX 4's time format, in UTC. */
const dateTime = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/), z.meta({ description: 'YYYY-MM-DD HH:mm:ss, UTC' }));
/** EMQX 5's RFC 3339 with milliseconds, offset +00:00. */
const rfc3339 = z
  .string()
  .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/), z.meta({ description: 'RFC 3339, milliseconds, UTC' }));

const nativeClientShape = {
  node: z.string(),
  clientid: z.string(),
  username: z.nullable(z.string()),
  proto_name: z.enum(PROTO_NAMES),
  proto_ver: count,
  ip_address: z.string(),
  port: count,
  is_bridge: z.boolean(),
  connected_at: dateTime,
  disconnected_at: z.optional(dateTime).check(z.meta({ description: 'Only while not connected' })),
  connected: z.boolean(),
  zone: z.string(),
  keepalive: count,
  clean_start: z.boolean(),
  expiry_interval: count,
  created_at: dateTime,
  subscriptions_cnt: count,
  max_subscriptions: count.check(z.meta({ description: '0 means unlimited' })),
  inflight: count,
  max_inflight: count.check(z.meta({ description: '0 means unlimited' })),
  mqueue_len: count,
  max_mqueue: count.check(z.meta({ description: '0 means unlimited' })),
  mqueue_dropped: count,
  awaiting_rel: count,
  max_awaiting_rel: count,
  recv_oct: count,
  recv_cnt: count,
  recv_pkt: count,
  recv_msg: count,
  send_oct: count,
  send_cnt: count,
  send_pkt: count,
  send_msg: count,
  mailbox_len: count,
  heap_size: count,
  reductions: count,
  mountpoint: z.nullable(z.string()),
};

/** The client object of the native surface (EMQX 4's fields). */
export const NativeClient = z.strictObject(nativeClientShape);
/** A client of a list page: `fields=` may show only some fields. */
export const NativeListedClient = z.partial(NativeClient);

/** EMQX 4.4's client object: the native one plus the per-QoS counters. */
export const Emqx4Client = z.strictObject({ ...nativeClientShape, ...counters([...QOS_COUNTER_FIELDS, 'recv_msg.dropped.expired']) });
export const Emqx4ListedClient = z.partial(Emqx4Client);

const EMQX5_TYPES: Partial<Record<Emqx5Field, z.ZodMiniType>> = {
  clean_start: z.boolean(),
  clientid: z.string(),
  connected: z.boolean(),
  connected_at: rfc3339,
  created_at: rfc3339,
  disconnected_at: rfc3339.check(z.meta({ description: 'Only while not connected' })),
  ip_address: z.string(),
  is_bridge: z.boolean(),
  is_expired: z.boolean(),
  node: z.string(),
  proto_name: z.enum(PROTO_NAMES),
  username: z.nullable(z.string()),
  mountpoint: z.nullable(z.string()),
  durable: z.boolean(),
  client_attrs: z.record(z.string(), z.string()),
};

/**
 * EMQX 5.8's client object. Every field is optional: `fields=` picks some,
 * and `disconnected_at` is shown only while disconnected. Fields not typed
 * above are counters.
 */
export const Emqx5Client = z.strictObject(
  Object.fromEntries(EMQX5_FIELD_NAMES.map((name) => [name, z.optional(EMQX5_TYPES[name] ?? count)])),
);

const meta = z.strictObject({
  page: z.int().check(z.meta({ description: 'The page number as given (EMQX 4 echoes 0 or a negative number)' })),
  limit: count,
  hasnext: z.boolean(),
  count: z.int().check(z.gte(-1), z.meta({ description: 'Exact total, or -1 when the filter makes counting a full scan' })),
  cursor: z.optional(z.string()).check(z.meta({ description: 'Pass as _cursor for the next page; absent on the last page' })),
});

export const NativeListPage = z.strictObject({ code: z.literal(0), data: z.array(NativeListedClient), meta });
export const Emqx4ListPage = z.strictObject({ code: z.literal(0), data: z.array(Emqx4ListedClient), meta });
export const Emqx5ListPage = z.strictObject({
  data: z.array(Emqx5Client),
  meta: z.strictObject({ page: z.int(), limit: count, hasnext: z.boolean(), count: z.optional(count) }),
});
export const Emqx5CursorPage = z.strictObject({
  data: z.array(Emqx5Client),
  meta: z.strictObject({ count, cursor: z.optional(z.string()) }),
});

/** GET /clients/{clientid}: a list of one, or none. */
export const NativeClientList = z.strictObject({ code: z.literal(0), data: z.array(NativeClient) });
export const Emqx4ClientList = z.strictObject({ code: z.literal(0), data: z.array(Emqx4Client) });

const subscription = { node: z.string(), clientid: z.string(), topic: z.string(), qos: z.int().check(z.gte(0), z.lte(2)) };
export const NativeSubscriptions = z.strictObject({ code: z.literal(0), data: z.array(z.strictObject(subscription)) });
export const Emqx4Subscriptions = NativeSubscriptions;
export const Emqx5Subscriptions = z.array(
  z.strictObject({ ...subscription, nl: z.int(), rap: z.int(), rh: z.int(), durable: z.boolean() }),
);

export const NativeNodes = z.strictObject({
  code: z.literal(0),
  data: z.array(z.strictObject({ node: z.string(), ...counters(CONN_STATES), sessions: count })),
});
const emqxNode = (status: string) => z.strictObject({ node: z.string(), node_status: z.literal(status), connections: count });
export const Emqx4Nodes = z.strictObject({ code: z.literal(0), data: z.array(emqxNode('Running')) });
/** EMQX 5.8's node_info, with the fields the table knows (functions/dialects/emqx5/nodes.ts). */
export const Emqx5Node = z.strictObject({
  node: z.string(),
  connections: count,
  live_connections: count,
  cluster_sessions: count,
  node_status: z.literal('running'),
});
export const Emqx5Nodes = z.array(Emqx5Node);

export const KickDone = z.strictObject({ code: z.literal(0) });
export const KickPending = z.strictObject({ code: z.literal(0), message: z.literal('kick pending') });
/** 4.4's format_acl_cache/1 (emqx_mgmt_api_clients.erl:353-357), as the broker answers it. */
export const Emqx4AclCache = z.strictObject({
  code: z.literal(0),
  data: z.array(z.strictObject({ access: z.string(), topic: z.string(), result: z.string(), updated_time: z.int() })),
});
export const Emqx4Kick = z.strictObject({ code: z.literal(0), message: z.optional(z.literal('kick pending')) });

export const BULK_KICK_OUTCOMES = ['kicked', 'pending', 'not-found', 'unavailable'] as const;
export const BulkKickResults = z.strictObject({
  code: z.literal(0),
  data: z.array(z.strictObject({ clientid: z.string(), outcome: z.enum(BULK_KICK_OUTCOMES) })),
});

/** Native and EMQX 4 errors: EMQX 4's numeric codes (101 unavailable, 102 internal, 108 bad parameter, 112 not found). */
export const NativeError = z.strictObject({ code: z.int(), message: z.string() });
const EMQX5_CODES = [
  'BAD_REQUEST',
  'INVALID_PARAMETER',
  'CLIENTID_NOT_FOUND',
  'NOT_FOUND',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
  'BAD_API_KEY_OR_SECRET',
  'UNAUTHORIZED_ROLE',
] as const satisfies readonly Emqx5Code[];
export const Emqx5ErrorBody = z.strictObject({ code: z.enum(EMQX5_CODES), message: z.string() });
/** API Gateway's own refusal of a request it could not authorize. */
export const GatewayError = z.strictObject({ message: z.string() });

/** The OpenAPI document itself. */
export const OpenApiDocumentBody = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

// Compile-time: the schemas' client objects are the renderers' (both ways), so neither gains a field alone.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const nativeSame: Same<z.output<typeof NativeClient>, ClientObject> = true;
const emqx4Same: Same<z.output<typeof Emqx4Client>, ReturnType<typeof toEmqx4Client>> = true;
const emqx5Codes: Same<(typeof EMQX5_CODES)[number], Emqx5Code> = true;
void [nativeSame, emqx4Same, emqx5Codes];
