import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketScanner } from '../../../infra/local/broker/packet-scanner.js';

/** A packet with the given type, flags and body length, as MQTT frames it. */
function frame(type: number, flags: number, bodyLength: number): Buffer {
  const length: number[] = [];
  let rest = bodyLength;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    length.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([(type << 4) | flags, ...length]), Buffer.alloc(bodyLength, 0xff)]);
}

function scanAll(chunks: Buffer[]): Array<[number, number]> {
  const seen: Array<[number, number]> = [];
  const scanner = new PacketScanner((type, flags) => seen.push([type, flags]));
  for (const chunk of chunks) scanner.scan(chunk);
  return seen;
}

describe('PacketScanner', () => {
  it('finds packets with one-, two-, three- and four-byte remaining lengths', () => {
    const packets: Array<[number, number, number]> = [
      [12, 0, 0], // PINGREQ
      [3, 2, 127], // PUBLISH QoS 1
      [3, 4, 128],
      [3, 0, 16_384],
      [3, 0, 2_097_152],
      [4, 0, 2], // PUBACK
    ];
    const bytes = Buffer.concat(packets.map(([type, flags, length]) => frame(type, flags, length)));

    expect(scanAll([bytes])).toEqual(packets.map(([type, flags]) => [type, flags]));
  });

  it('finds the same packets however the stream is cut into chunks', () => {
    const packet = fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 300 }));
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, cuts) => {
        const bytes = Buffer.concat(packets.map(([type, flags, length]) => frame(type, flags, length)));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          chunks.push(bytes.subarray(from, point));
          from = point;
        }
        expect(scanAll(chunks)).toEqual(packets.map(([type, flags]) => [type, flags]));
      }),
    );
  });

  it('does not count a packet whose body has not fully arrived', () => {
    const bytes = frame(3, 0, 50);

    expect(scanAll([bytes.subarray(0, 40)])).toEqual([]);
  });

  it('stops at a remaining length longer than four bytes', () => {
    const scanner = new PacketScanner(() => undefined);

    scanner.scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));

    expect(scanner.healthy).toBe(false);
  });
});
