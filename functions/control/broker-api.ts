/**
 * What the EMQX 4.4 dashboard asks of a client beside a kick: its ACL cache
 * (list, clean) and subscriptions made or ended on its behalf. Only a broker
 * with a management API can do these; the channels of AWS IoT and of our own
 * MQTT control topic cannot.
 *
 * Failures are the control channel's: ClientNotOnBrokerError when the broker
 * holds no such client, ControlChannelError when it cannot be asked.
 */

/** One cached authorization decision, as EMQX shows it (4.4 format_acl_cache/1, 5.8 fields(authz_cache)). */
export type AclCacheEntry = { access: string; topic: string; result: string; updated_time: number };

export type QoS = 0 | 1 | 2;

export interface BrokerApi {
  listAclCache(clientid: string): Promise<AclCacheEntry[]>;
  cleanAclCache(clientid: string): Promise<void>;
  subscribe(clientid: string, topic: string, qos: QoS): Promise<void>;
  unsubscribe(clientid: string, topic: string): Promise<void>;
}
