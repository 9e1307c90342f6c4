/**
 * The control channel: how the API asks the broker node that holds a session
 * to act on it. Commands are versioned JSON, one per message.
 */

export const COMMAND_VERSION = 1;

/** Ask a node to close a client's connection and discard its session. */
export type KickCommand = {
  version: typeof COMMAND_VERSION;
  type: 'kick';
  /** Unique per command; a node executes a command id at most once. */
  id: string;
  clientid: string;
  node: string;
  /** The connection the caller saw; a node may skip a kick of a connection it no longer holds. */
  conn_key: string;
  /** RFC 3339. */
  issued_at: string;
};

export type ControlCommand = KickCommand;

export interface ControlChannel {
  /**
   * Resolves once the broker has accepted the command (an MQTT PUBACK, an
   * HTTP success); rejects with ControlChannelError when it cannot be
   * delivered, with ClientNotOnBrokerError when the broker holds no such client,
   * with ClientNotAddressableError when the broker's API cannot name it.
   */
  send(command: ControlCommand): Promise<void>;
}

/** Thrown by a channel that cannot deliver: the broker is unreachable, failed, or did not answer in time. */
export class ControlChannelError extends Error {
  override readonly name = 'ControlChannelError';
}

/** Thrown by a channel whose broker's API cannot name the client at all: sending the kick again would not help. */
export class ClientNotAddressableError extends Error {
  override readonly name = 'ClientNotAddressableError';
}

/** Thrown by a channel whose broker answered that it holds no session of the client. */
export class ClientNotOnBrokerError extends Error {
  override readonly name = 'ClientNotOnBrokerError';
}

/**
 * `<prefix>/<node>/<command type>`. The node name is URL-encoded so that `/`,
 * `+` and `#` in it cannot change the topic's shape.
 */
export function commandTopic(prefix: string, node: string, type: ControlCommand['type']): string {
  return `${prefix}/${encodeURIComponent(node)}/${type}`;
}
