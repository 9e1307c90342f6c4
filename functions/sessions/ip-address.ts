/**
 * Client addresses as the table stores them: one spelling per address, so
 * that an exact `ip_address` filter matches however a broker or a caller
 * wrote it. Node's own parsers (`node:net`, the WHATWG URL host parser) do the
 * work, so no address library is loaded at a cold start.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The IPv4-mapped IPv6 range `::ffff:0:0/96`, as the URL serializer writes it. */
const IPV4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

const isZonelessIPv6 = (value: string) => isIPv6(value) && !value.includes('%');

/**
 * Dotted-quad decimal IPv4 (no shorthand such as `10`, no octal such as
 * `010.0.0.1`: they name other addresses) or IPv6 without a zone id (never
 * part of a stored address).
 */
export function isIpAddress(value: string): boolean {
  return isIPv4(value) || isZonelessIPv6(value);
}

/**
 * The stored spelling: IPv4 as is, IPv4-mapped IPv6 as its IPv4 address,
 * other IPv6 in RFC 5952's form (lower case, no leading zeros, the leftmost
 * longest run of two or more zero groups compressed), which is how the URL
 * standard serializes an IPv6 host. Throws on anything {@link isIpAddress} refuses.
 */
export function normalizeIp(value: string): string {
  if (isIPv4(value)) return value;
  if (!isZonelessIPv6(value)) throw new TypeError(`not an IP address: ${value}`);
  const compressed = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  const mapped = IPV4_MAPPED.exec(compressed);
  if (!mapped) return compressed;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
