/**
 * Request bodies as the brokers send them (EMQX 5 rule-engine events, EMQX
 * 4.4 WebHook plugin bodies, AWS IoT lifecycle events), and how they become
 * source events: through the project's parsers.
 */
import type { Qos, SourceEvent } from '../../functions/sessions/source-events.js';
import { parseAwsIotEvent } from '../../functions/sources/aws-iot/lifecycle.js';
import { parseEmqxWebhook } from '../../functions/sources/emqx/webhook.js';

export type Body = Record<string, unknown>;
export type Parse = (body: Body, receivedAt: number) => SourceEvent[];

export const AWS_REGION = 'us-east-1';
export const AWS_NODE = `aws-iot@${AWS_REGION}`;

// ---- EMQX 5 (emqx_rule_events.erl: every event has `event`, `timestamp` and `node`) ----

export type Emqx5Client = { clientid: string; node: string; connected_at: number; clean_start: boolean; expiry_interval: number; username?: string };

export function emqx5Connected(c: Emqx5Client): Body {
  return {
    event: 'client.connected',
    node: c.node,
    timestamp: c.connected_at,
    clientid: c.clientid,
    username: c.username ?? 'tenant-001',
    mountpoint: 'undefined',
    peername: '10.1.2.3:51234',
    sockname: '10.0.0.1:1883',
    proto_name: 'MQTT',
    proto_ver: 5,
    keepalive: 60,
    clean_start: c.clean_start,
    receive_maximum: 32,
    expiry_interval: c.expiry_interval,
    is_bridge: false,
    conn_props: { 'User-Property': {}, 'Session-Expiry-Interval': c.expiry_interval },
    connected_at: c.connected_at,
    client_attrs: {},
    metadata: { rule_id: 'sessions-ingest' },
  };
}

export function emqx5Disconnected(c: Emqx5Client, at: number, reason = 'normal'): Body {
  return {
    event: 'client.disconnected',
    node: c.node,
    timestamp: at,
    reason,
    clientid: c.clientid,
    username: c.username ?? 'tenant-001',
    peername: '10.1.2.3:51234',
    sockname: '10.0.0.1:1883',
    proto_name: 'MQTT',
    proto_ver: 5,
    disconn_props: {},
    disconnected_at: at,
    connected_at: c.connected_at,
    client_attrs: {},
    metadata: { rule_id: 'sessions-ingest' },
  };
}

export function emqx5Subscription(kind: 'subscribed' | 'unsubscribed', c: Emqx5Client, topic: string, at: number, qos: Qos = 1): Body {
  return {
    event: `session.${kind}`,
    node: c.node,
    timestamp: at,
    clientid: c.clientid,
    username: c.username ?? 'tenant-001',
    peerhost: '10.1.2.3',
    peername: '10.1.2.3:51234',
    topic,
    qos,
    [kind === 'subscribed' ? 'sub_props' : 'unsub_props']: {},
    client_attrs: {},
    metadata: { rule_id: 'sessions-ingest' },
  };
}

// ---- EMQX 4.4 (emqx_web_hook.erl: every body has `action` and `node`) ----

export function emqx4SessionTerminated(clientid: string, node: string, reason: 'kicked' | 'expired'): Body {
  return { action: 'session_terminated', node, clientid, username: 'tenant-001', reason };
}

// ---- AWS IoT lifecycle events (life-cycle-events.md) ----

export type AwsClient = { clientId: string; sessionIdentifier: string; versionNumber: number; timestamp: number };

export const awsConnected = (c: AwsClient): Body => ({
  clientId: c.clientId,
  timestamp: c.timestamp,
  eventType: 'connected',
  sessionIdentifier: c.sessionIdentifier,
  principalIdentifier: '12345678901234567890123456789012345678901234567890123456789012345',
  ipAddress: '192.0.2.10',
  versionNumber: c.versionNumber,
});

export const awsDisconnected = (c: AwsClient, at: number): Body => ({
  clientId: c.clientId,
  timestamp: at,
  eventType: 'disconnected',
  sessionIdentifier: c.sessionIdentifier,
  principalIdentifier: '12345678901234567890123456789012345678901234567890123456789012345',
  clientInitiatedDisconnect: true,
  disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
  versionNumber: c.versionNumber,
});

export const awsSubscribed = (c: AwsClient, at: number, topics: string[]): Body => ({
  clientId: c.clientId,
  timestamp: at,
  eventType: 'subscribed',
  sessionIdentifier: c.sessionIdentifier,
  principalIdentifier: '12345678901234567890123456789012345678901234567890123456789012345',
  topics,
});

export type Parsers = { emqx: Parse; aws: Parse; source: { emqx: string; aws: string } };

/** The project's parsers, as the ingest handlers call them. */
export const PARSERS: Parsers = {
  emqx: (body, receivedAt) => parseEmqxWebhook(body, receivedAt),
  aws: (body) => parseAwsIotEvent(body, { node: AWS_NODE, sessionExpirySeconds: 3_600, persistentSessions: false }),
  source: {
    emqx: 'parseEmqxWebhook (functions/sources/emqx/webhook.ts)',
    aws: 'parseAwsIotEvent (functions/sources/aws-iot/lifecycle.ts)',
  },
};
