/**
 * EMQX 4.4 WebHook plugin bodies. Each names its hook in `action`
 * ("client_connected") and carries `node`; `connected_at` and
 * `disconnected_at` are epoch ms. The plugin posts one client's events one at
 * a time, each after the previous one was answered, so for bodies without a
 * timestamp the time of receipt keeps their order.
 */
import * as z from 'zod/mini';
import type { SourceEvent } from '../../sessions/source-events.js';
import {
  clientIdSchema,
  disconnectEvent,
  EMQX_DEFAULTS,
  emqxConnection,
  emqxIp,
  epochMsSchema,
  keepaliveSchema,
  nodeSchema,
  protoVerSchema,
  qosSchema,
  readFields,
  reasonSchema,
  topicSchema,
  usernameSchema,
} from './connection.js';

const schemas = {
  client_connected: z.object({
    clientid: clientIdSchema,
    node: nodeSchema,
    username: usernameSchema,
    ipaddress: z.string(),
    keepalive: z.optional(keepaliveSchema),
    proto_ver: z.optional(protoVerSchema),
    connected_at: epochMsSchema,
  }),
  client_disconnected: z.object({
    clientid: clientIdSchema,
    node: nodeSchema,
    username: usernameSchema,
    reason: reasonSchema,
    connected_at: epochMsSchema,
    disconnected_at: epochMsSchema,
  }),
  session_subscribed: z.object({ clientid: clientIdSchema, topic: topicSchema, opts: z.object({ qos: qosSchema }) }),
  session_unsubscribed: z.object({ clientid: clientIdSchema, topic: topicSchema }),
  session_terminated: z.object({ clientid: clientIdSchema, node: nodeSchema, reason: reasonSchema }),
};
type Action = keyof typeof schemas;

/**
 * The reasons of `session_terminated` that end a session the table may still
 * hold offline: a kick, and the expiry of a persistent session. EMQX 4.4 runs
 * `session.discarded` rather than this hook for a discard; a body saying
 * `discarded` still means the session is gone. Other reasons (`normal`, …)
 * end sessions whose disconnect already ended them.
 */
const TERMINATING = new Set(['kicked', 'expired', 'discarded'] as const);
type Terminating = typeof TERMINATING extends Set<infer T> ? T : never;

function isTerminating(reason: string): reason is Terminating {
  return (TERMINATING as Set<string>).has(reason);
}

export function parseEmqx4Body(action: string, body: object, receivedAt: number): SourceEvent[] {
  if (!Object.hasOwn(schemas, action)) return [];
  switch (action as Action) {
    case 'client_connected': {
      const e = readFields(schemas.client_connected, body);
      const conn = emqxConnection({
        clientid: e.clientid,
        node: e.node,
        connected_at: e.connected_at,
        zone: EMQX_DEFAULTS.zone_v4,
        username: e.username ?? null,
        ip_address: emqxIp(e.ipaddress, 'ipaddress'),
        ...(e.proto_ver !== undefined && { proto_ver: e.proto_ver }),
        ...(e.keepalive !== undefined && { keepalive: e.keepalive }),
      });
      // The WebHook's connect tells neither clean_start nor expiry_interval (emqx_web_hook.erl); the client list does.
      return [{ type: 'connected', conn, persistence: 'unreported' }];
    }
    case 'client_disconnected': {
      const e = readFields(schemas.client_disconnected, body);
      const conn = emqxConnection({
        clientid: e.clientid,
        node: e.node,
        connected_at: e.connected_at,
        zone: EMQX_DEFAULTS.zone_v4,
        username: e.username ?? null,
      });
      return [disconnectEvent(conn, e.disconnected_at, e.reason)];
    }
    case 'session_subscribed': {
      const e = readFields(schemas.session_subscribed, body);
      return [{ type: 'subscribed', clientid: e.clientid, at: receivedAt, topics: [{ topic: e.topic, qos: e.opts.qos }] }];
    }
    case 'session_unsubscribed': {
      const e = readFields(schemas.session_unsubscribed, body);
      return [{ type: 'unsubscribed', clientid: e.clientid, at: receivedAt, topics: [e.topic] }];
    }
    case 'session_terminated': {
      const e = readFields(schemas.session_terminated, body);
      if (!isTerminating(e.reason)) return [];
      return [{ type: 'session-terminated', clientid: e.clientid, node: e.node, at: receivedAt, reason: e.reason }];
    }
  }
}
