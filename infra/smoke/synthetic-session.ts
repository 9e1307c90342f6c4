/**
 * The smoke test's one session: a reserved client id no device has, brought
 * in and ended through the stack's own EMQX ingest route, as EMQX 5's rule
 * engine posts a connection's events (`emqx_rule_events.erl`).
 */
import { randomBytes } from 'node:crypto';

/** Every smoke session's client id starts so; an operator can tell it from a device at a glance. */
export const SMOKE_CLIENT_PREFIX = 'clients-api-smoke-';
export const SMOKE_NODE = 'clients-api-smoke@127.0.0.1';

export type SyntheticSession = { clientid: string; connectedAt: number };

export function newSyntheticSession(now: number = Date.now()): SyntheticSession {
  return { clientid: `${SMOKE_CLIENT_PREFIX}${randomBytes(6).toString('hex')}`, connectedAt: now };
}

const common = (session: SyntheticSession, timestamp: number) => ({
  clientid: session.clientid,
  username: 'clients-api-smoke',
  node: SMOKE_NODE,
  timestamp,
  peername: '127.0.0.1:1',
  sockname: '127.0.0.1:1883',
  proto_name: 'MQTT',
  proto_ver: 4,
  metadata: { rule_id: 'clients_api_smoke' },
});

export function connectedEvent(session: SyntheticSession): Record<string, unknown> {
  return {
    ...common(session, session.connectedAt),
    event: 'client.connected',
    keepalive: 60,
    clean_start: true,
    expiry_interval: 0,
    is_bridge: false,
    connected_at: session.connectedAt,
  };
}

/** A clean session's disconnect ends it: the clean-up when a kick could not. */
export function disconnectedEvent(session: SyntheticSession, at: number = Date.now()): Record<string, unknown> {
  return { ...common(session, at), event: 'client.disconnected', reason: 'normal', connected_at: session.connectedAt, disconnected_at: at };
}

export async function postEvent(ingest: { url: string; token: string }, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await fetch(ingest.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingest.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}
