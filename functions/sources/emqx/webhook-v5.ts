/**
 * EMQX 5 rule events (a rule `SELECT * FROM "$events/client_connected", …`
 * with an HTTP action whose body is left empty, so EMQX posts every field of
 * the event). Each body names its event in `event` ("client.connected") and
 * carries `timestamp` (epoch ms) and `node`.
 */
import * as z from 'zod/mini';
import type { SourceEvent } from '../../sessions/source-events.js';
import {
  clientIdSchema,
  disconnectEvent,
  EMQX_DEFAULTS,
  emqxConnection,
  epochMsSchema,
  expirySchema,
  keepaliveSchema,
  nodeSchema,
  emqx5Mountpoint,
  emqx5Text,
  parsePeername,
  protoName,
  protoVerSchema,
  qosSchema,
  readFields,
  reasonSchema,
  topicSchema,
  usernameSchema,
} from './connection.js';

const schemas = {
  'client.connected': z.object({
    clientid: clientIdSchema,
    node: nodeSchema,
    username: usernameSchema,
    peername: z.string(),
    proto_name: z.optional(z.string()),
    proto_ver: protoVerSchema,
    keepalive: z.optional(keepaliveSchema),
    clean_start: z.boolean(),
    expiry_interval: expirySchema,
    is_bridge: z.optional(z.boolean()),
    mountpoint: z.optional(z.nullable(z.string())),
    connected_at: epochMsSchema,
  }),
  'client.disconnected': z.object({
    clientid: clientIdSchema,
    node: nodeSchema,
    username: usernameSchema,
    peername: z.optional(z.nullable(z.string())),
    proto_name: z.optional(z.string()),
    proto_ver: z.optional(protoVerSchema),
    reason: reasonSchema,
    connected_at: epochMsSchema,
    disconnected_at: epochMsSchema,
  }),
  'session.subscribed': z.object({ clientid: clientIdSchema, timestamp: epochMsSchema, topic: topicSchema, qos: qosSchema }),
  'session.unsubscribed': z.object({ clientid: clientIdSchema, timestamp: epochMsSchema, topic: topicSchema }),
};
type EventName = keyof typeof schemas;

/** EMQX 5 names events "client.connected"; a body template may give the rule's topic, "$events/client_connected". */
function eventName(value: string): EventName | undefined {
  const name = value.startsWith('$events/') ? value.slice('$events/'.length).replace('_', '.') : value;
  return Object.hasOwn(schemas, name) ? (name as EventName) : undefined;
}

export function parseEmqx5Event(event: string, body: object): SourceEvent[] {
  const name = eventName(event);
  switch (name) {
    case undefined:
      return [];
    case 'client.connected': {
      const e = readFields(schemas[name], body);
      const proto = protoName(e.proto_name ?? EMQX_DEFAULTS.proto_name);
      if (!proto) return [];
      const conn = emqxConnection({
        clientid: e.clientid,
        node: e.node,
        connected_at: e.connected_at,
        zone: EMQX_DEFAULTS.zone_v5,
        username: emqx5Text(e.username),
        ...parsePeername(e.peername),
        proto_name: proto,
        proto_ver: e.proto_ver,
        ...(e.keepalive !== undefined && { keepalive: e.keepalive }),
        clean_start: e.clean_start,
        expiry_interval: e.expiry_interval,
        ...(e.is_bridge !== undefined && { is_bridge: e.is_bridge }),
        mountpoint: emqx5Mountpoint(e.mountpoint),
      });
      return [{ type: 'connected', conn }];
    }
    case 'client.disconnected': {
      const e = readFields(schemas[name], body);
      const proto = protoName(e.proto_name ?? EMQX_DEFAULTS.proto_name);
      if (!proto) return [];
      // The address is only descriptive here: the writer keeps the stored connection's.
      const peer = emqx5Text(e.peername) === null ? {} : parsePeername(e.peername!);
      const conn = emqxConnection({
        clientid: e.clientid,
        node: e.node,
        connected_at: e.connected_at,
        zone: EMQX_DEFAULTS.zone_v5,
        username: emqx5Text(e.username),
        ...peer,
        proto_name: proto,
        ...(e.proto_ver !== undefined && { proto_ver: e.proto_ver }),
      });
      return [disconnectEvent(conn, e.disconnected_at, e.reason)];
    }
    case 'session.subscribed': {
      const e = readFields(schemas[name], body);
      return [{ type: 'subscribed', clientid: e.clientid, at: e.timestamp, topics: [{ topic: e.topic, qos: e.qos }] }];
    }
    case 'session.unsubscribed': {
      const e = readFields(schemas[name], body);
      return [{ type: 'unsubscribed', clientid: e.clientid, at: e.timestamp, topics: [e.topic] }];
    }
  }
}
