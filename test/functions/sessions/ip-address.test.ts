/**
 * Stored client addresses: the node:net / URL-based parser accepts and spells
 * every address as ipaddr.js (the library it replaced) did, except where
 * ipaddr.js departs from RFC 4291, named below.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { isIpAddress, normalizeIp } from '../../../functions/sessions/ip-address.js';
import { propertyRuns } from '../../support/property-seed.js';

/** What the API accepted and stored with ipaddr.js. */
const ipaddrAccepts = (value: string) => ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes('%'));
const ipaddrSpelling = (value: string) => ipaddr.process(value).toString();

const hexGroup = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const octet = fc.integer({ min: 0, max: 255 });

/** IPv6 written every legal way: upper or lower case, padded or not, a zero run compressed or not, an IPv4 tail or not. */
const ipv6Text = fc
  .record({
    groups: fc.array(hexGroup, { minLength: 8, maxLength: 8 }),
    mapped: fc.boolean(),
    upper: fc.boolean(),
    pad: fc.boolean(),
    compress: fc.boolean(),
    v4Tail: fc.tuple(octet, octet, octet, octet),
    dottedTail: fc.boolean(),
  })
  .map(({ groups, mapped, upper, pad, compress, v4Tail, dottedTail }) => {
    const parts = mapped ? [0, 0, 0, 0, 0, 0xffff, (v4Tail[0] << 8) | v4Tail[1], (v4Tail[2] << 8) | v4Tail[3]] : groups;
    let text = parts.map((g) => (pad ? g.toString(16).padStart(4, '0') : g.toString(16))).map((g) => (upper ? g.toUpperCase() : g)).join(':');
    if (compress) {
      const run = /(^|:)(0+(:|$)){2,}/.exec(text);
      if (run) text = `${text.slice(0, run.index)}::${text.slice(run.index + run[0].length)}`;
    }
    // ipaddr.js reads `::a.b.c.d` (IPv4-compatible) as IPv4-mapped; only mapped addresses get a dotted tail here.
    if (dottedTail && mapped && !compress) text = `${text.split(':').slice(0, 6).join(':')}:${v4Tail.join('.')}`;
    return text;
  });

const ipv4Text = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

describe('client addresses', () => {
  it('accepts and spells every IPv4 and IPv6 address as ipaddr.js did', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Text, ipv6Text), (text) => {
        expect(isIpAddress(text)).toBe(true);
        expect(ipaddrAccepts(text)).toBe(true);
        expect(normalizeIp(text)).toBe(ipaddrSpelling(text));
      }),
      propertyRuns(2000),
    );
  });

  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:0:0', '0.0.0.0'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['0000:0000::0001', '::1'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ])('stores %s as %s', (text, stored) => {
    expect(normalizeIp(text)).toBe(stored);
    expect(ipaddrSpelling(text)).toBe(stored);
  });

  it.each(['10', '010.0.0.1', '1.2.3.04', '256.1.1.1', '1.2.3', 'fe80::1%eth0', '[::1]', ' 1.2.3.4', '1:2:3:4:5:6:7:8:9', '12345::', '', 'localhost'])(
    'refuses %j, as ipaddr.js did',
    (text) => {
      expect(isIpAddress(text)).toBe(false);
      expect(ipaddrAccepts(text)).toBe(false);
      expect(() => normalizeIp(text)).toThrow(TypeError);
    },
  );

  // RFC 4291 §2.5.5.1: `::a.b.c.d` is 0:0:0:0:0:0:a.b:c.d, not ::ffff:a.b.c.d as ipaddr.js reads it.
  it('keeps an IPv4-compatible address IPv6', () => {
    expect(normalizeIp('::1.2.3.4')).toBe('::102:304');
    expect(ipaddrSpelling('::1.2.3.4')).toBe('1.2.3.4');
  });

  // RFC 4291 §2.2 writes the IPv4 part in dotted decimal; ipaddr.js also took octal and hex there.
  it.each(['::ffff:01.2.3.4', '::ffff:0x1.2.3.4'])('refuses the non-decimal IPv4 tail %s', (text) => {
    expect(isIpAddress(text)).toBe(false);
    expect(ipaddrAccepts(text)).toBe(true);
  });
});
