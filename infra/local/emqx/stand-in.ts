/**
 * What the local node shows as an EMQX cluster's REST API: its sessions as
 * EMQX 5 client objects (counters from its metered sockets), and kicks that
 * close the connection and discard the session as EMQX's do.
 */
import type { LocalBroker } from '../broker/broker.js';
import { MAX_AWAITING_REL } from '../broker/connection-info.js';
import type { EmqxBackend, EmqxClient } from './rest-api.js';

export function standInBackend(broker: LocalBroker): EmqxBackend {
  return {
    clients(): EmqxClient[] {
      const now = Date.now();
      const clients: EmqxClient[] = [];
      for (const session of broker.sessions.values()) {
        const last = session.last;
        if (!last || session.isExpired(now)) continue;
        const online = session.connection !== undefined;
        if (!online && session.expiresAt === null) continue;
        const { info } = last;
        const traffic = last.meter?.traffic;
        clients.push({
          clientid: info.clientid,
          username: info.username,
          node: info.node,
          connected: online,
          connected_at: info.connected_at,
          created_at: info.created_at,
          disconnected_at: online ? null : session.expiresAt! - info.expiry_interval * 1000,
          ip_address: info.ip_address,
          port: info.port,
          proto_name: info.proto_ver === 3 ? 'MQIsdp' : 'MQTT',
          proto_ver: info.proto_ver,
          keepalive: info.keepalive,
          clean_start: info.clean_start,
          expiry_interval: info.expiry_interval,
          is_bridge: info.is_bridge,
          mountpoint: info.mountpoint,
          zone: info.zone,
          subscriptions_cnt: session.topics.size,
          subscriptions_max: 'infinity',
          inflight_cnt: online ? (traffic?.inflight ?? 0) : 0,
          inflight_max: 32,
          mqueue_len: 0,
          mqueue_max: 'infinity',
          mqueue_dropped: 0,
          awaiting_rel_cnt: traffic?.awaiting_rel ?? 0,
          awaiting_rel_max: MAX_AWAITING_REL,
          mailbox_len: 0,
          heap_size: 0,
          reductions: 0,
          recv_oct: traffic?.recv_oct ?? 0,
          recv_cnt: traffic?.recv_cnt ?? 0,
          recv_pkt: traffic?.recv_pkt ?? 0,
          recv_msg: traffic?.recv_msg ?? 0,
          send_oct: traffic?.send_oct ?? 0,
          send_cnt: traffic?.send_cnt ?? 0,
          send_pkt: traffic?.send_pkt ?? 0,
          send_msg: traffic?.send_msg ?? 0,
        });
      }
      return clients.sort((a, b) => a.connected_at - b.connected_at || (a.clientid < b.clientid ? -1 : 1));
    },
    kick: (clientid) => broker.kick(clientid),
  };
}
