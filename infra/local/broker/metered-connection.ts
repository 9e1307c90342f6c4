/**
 * A client's socket as the broker sees it, counting what crosses it: bytes and
 * socket reads/writes, MQTT packets and PUBLISH messages each way (also by
 * QoS, as EMQX 4.4 counts them), and from
 * those the QoS 1/2 deliveries not yet acknowledged (inflight) and the QoS 2
 * messages received but not yet released (awaiting PUBREL).
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { PacketScanner, PacketType } from './packet-scanner.js';

export type Traffic = {
  recv_oct: number;
  recv_cnt: number;
  recv_pkt: number;
  recv_msg: number;
  send_oct: number;
  send_cnt: number;
  send_pkt: number;
  send_msg: number;
  'recv_msg.qos0': number;
  'recv_msg.qos1': number;
  'recv_msg.qos2': number;
  'send_msg.qos0': number;
  'send_msg.qos1': number;
  'send_msg.qos2': number;
  inflight: number;
  awaiting_rel: number;
};

const qosOf = (flags: number) => (flags >> 1) & 0x03;

export class MeteredConnection extends Duplex {
  private readonly counts = {
    recv_oct: 0,
    recv_cnt: 0,
    recv_pkt: 0,
    recv_msg: 0,
    send_oct: 0,
    send_cnt: 0,
    send_pkt: 0,
    send_msg: 0,
    'recv_msg.qos0': 0,
    'recv_msg.qos1': 0,
    'recv_msg.qos2': 0,
    'send_msg.qos0': 0,
    'send_msg.qos1': 0,
    'send_msg.qos2': 0,
  };
  private unacknowledged = 0;
  private unreleased = 0;
  private readonly inbound = new PacketScanner((type, flags) => {
    this.counts.recv_pkt++;
    if (type === PacketType.PUBLISH) {
      this.counts.recv_msg++;
      this.counts[`recv_msg.qos${qosOf(flags) as 0 | 1 | 2}`]++;
      if (qosOf(flags) === 2) this.unreleased++;
    } else if (type === PacketType.PUBREL) {
      this.unreleased--;
    } else if (type === PacketType.PUBACK || type === PacketType.PUBCOMP) {
      this.unacknowledged--;
    }
  });
  private readonly outbound = new PacketScanner((type, flags) => {
    this.counts.send_pkt++;
    if (type === PacketType.PUBLISH) {
      this.counts.send_msg++;
      this.counts[`send_msg.qos${qosOf(flags) as 0 | 1 | 2}`]++;
      if (qosOf(flags) > 0) this.unacknowledged++;
    }
  });

  /** Kept from the start: a closed socket forgets its peer. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  constructor(readonly socket: Socket) {
    super({ allowHalfOpen: false });
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    socket.on('data', (chunk: Buffer) => {
      this.counts.recv_cnt++;
      this.counts.recv_oct += chunk.length;
      this.inbound.scan(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  /** A copy of the counters now. */
  get traffic(): Traffic {
    return {
      ...this.counts,
      inflight: Math.max(this.unacknowledged, 0),
      awaiting_rel: Math.max(this.unreleased, 0),
    };
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback);
  }

  // The broker corks the stream while it writes one packet in pieces; the pieces leave in one socket write.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    this.counts.send_cnt++;
    this.counts.send_oct += data.length;
    this.outbound.scan(data);
    this.socket.write(data, callback);
  }
}
