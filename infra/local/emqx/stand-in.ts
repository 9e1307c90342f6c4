/**
 * What the local node shows as an EMQX cluster's REST API: its sessions as
 * EMQX 5 client objects (counters from its metered sockets), and kicks that
 * close the connection and discard the session as EMQX's do.
 */
import type { LocalBroker } from '../broker/broker.js';
import { MAX_AWAITING_REL } from '../broker/connection-info.js';
import { connectionStatistics } from '../broker/statistics-reporter.js';
import { QOS_COUNTER_FIELDS } from '../../../functions/sessions/model.js';
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
        const figures = connectionStatistics(last, online);
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
          inflight_cnt: figures.inflight,
          inflight_max: 32,
          mqueue_len: figures.mqueue_len,
          mqueue_max: 'infinity',
          mqueue_dropped: figures.mqueue_dropped,
          awaiting_rel_cnt: figures.awaiting_rel,
          awaiting_rel_max: MAX_AWAITING_REL,
          mailbox_len: figures.mailbox_len,
          heap_size: figures.heap_size,
          reductions: figures.reductions,
          recv_oct: figures.recv_oct,
          recv_cnt: figures.recv_cnt,
          recv_pkt: figures.recv_pkt,
          recv_msg: figures.recv_msg,
          send_oct: figures.send_oct,
          send_cnt: figures.send_cnt,
          send_pkt: figures.send_pkt,
          send_msg: figures.send_msg,
          ...Object.fromEntries(QOS_COUNTER_FIELDS.map((field) => [field, figures[field]])),
        });
      }
      return clients.sort((a, b) => a.connected_at - b.connected_at || (a.clientid < b.clientid ? -1 : 1));
    },
    kick: (clientid) => broker.kick(clientid),
    node: broker.node,
    subscribe: (clientid, topic, qos) => broker.subscribeOnBehalf(clientid, topic, qos),
    unsubscribe: (clientid, topic) => broker.unsubscribeOnBehalf(clientid, topic),
  };
}
