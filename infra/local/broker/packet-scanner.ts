/**
 * Finds MQTT packet boundaries in a byte stream from the fixed headers alone
 * (type, flags, remaining length), without decoding bodies: enough to count
 * packets and PUBLISH messages on a connection.
 */

export const PacketType = {
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
} as const;

/** Called once per complete packet with its type (1–15) and the low nibble of its first byte. */
export type PacketListener = (type: number, flags: number) => void;

/** The remaining length is at most four bytes of 7 bits each. */
const MAX_LENGTH_BYTES = 4;

export class PacketScanner {
  private state: 'header' | 'length' | 'body' | 'broken' = 'header';
  private type = 0;
  private flags = 0;
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;

  constructor(private readonly onPacket: PacketListener) {}

  /** False once the stream held something that is not MQTT framing; the scanner then stops counting. */
  get healthy(): boolean {
    return this.state !== 'broken';
  }

  scan(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.state !== 'broken') {
      switch (this.state) {
        case 'header': {
          const byte = chunk[i++] as number;
          this.type = byte >> 4;
          this.flags = byte & 0x0f;
          this.remaining = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          this.state = 'length';
          break;
        }
        case 'length': {
          const byte = chunk[i++] as number;
          this.remaining += (byte & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (byte & 0x80) {
            if (this.lengthBytes >= MAX_LENGTH_BYTES) this.state = 'broken';
          } else if (this.remaining === 0) {
            this.complete();
          } else {
            this.state = 'body';
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.complete();
          break;
        }
      }
    }
  }

  private complete(): void {
    this.state = 'header';
    this.onPacket(this.type, this.flags);
  }
}
