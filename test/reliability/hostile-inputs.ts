/**
 * Inputs an API on the internet receives: huge values, every corner of
 * Unicode (lone surrogates included, raw and percent-encoded), broken
 * percent-encoding, injection-looking strings, repeated and conflicting
 * parameters, and cursors that are truncated, altered or belong elsewhere.
 */
import fc from 'fast-check';

export const KNOWN_PARAMETERS = [
  'clientid', 'username', 'zone', 'ip_address', 'conn_state', 'clean_start', 'proto_name', 'proto_ver',
  '_like_clientid', '_like_username', '_gte_created_at', '_lte_created_at', '_gte_connected_at', '_lte_connected_at',
  '_gte_mqueue_len', '_lte_mqueue_len', '_gte_mqueue_dropped', '_lte_mqueue_dropped', '_page', '_limit', '_cursor',
] as const;

const STRANGE_NAMES = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'CONN_STATE', 'conn_state ', ' conn_state',
  '_page[]', 'clientid[]', '_limit%00', '', '=', '&', 'ünïcödé', 'a'.repeat(3000),
];

const INJECTIONS = [
  "' OR '1'='1", '" OR ""="', '1; DROP TABLE sessions', '${process.exit(1)}', '{{7*7}}', '<script>alert(1)</script>',
  'attribute_exists(clientid)', ':now', '#exp', ':v0_0', 'clientid = :v0', ') OR (1=1', '\\', '\\u0000', '%', '%%',
  '__proto__', '{"$ne":null}', '[object Object]', 'null', 'undefined', 'NaN', 'true ', ' false', 'TRUE', '../../etc/passwd',
  '*', '?', '[a-z]', '(.*)', '.*', '%25', 'a\r\nSet-Cookie: x=y', '\u202Ereversed', '\uFEFFbom', '\u0000', '\u0001',
  '\uFFFF', '\uD800', '\uDFFF', '\uDBFF\uDFFF', '😀', 'e\u0301', 'Ａ', '١٢٣',
];

const NUMBERS = [
  '0', '1', '-1', '+1', ' 1', '1 ', '01', '1.0', '1.5', '1e3', '0x10', '0b1', '1_000', 'Infinity', '-Infinity', 'NaN',
  '255', '256', '1000', '1001', '1000000', '1000001', '9'.repeat(10), '9'.repeat(11), '9'.repeat(16), '9'.repeat(17),
  '9'.repeat(400), '99999999999', '100000000000', '9999999999999', '10000000000000', '１２３', '٣', '4294967296',
  '9007199254740993',
];

const INSTANTS = [
  '2026-01-01T00:00:00Z', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00.123456789+05:30', '2026-13-45T99:99:99Z',
  '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01',
  '1970-01-01T00:00:00-00:01', '2026-01-01T00:00:00z', '2026-01-01t00:00:00Z', '2026-01-01T00:00:00+24:00',
];

const VALID_VALUES = [
  'connected', 'idle', 'disconnected', 'Connected', 'MQTT', 'mqtt', 'CoAP', 'LwM2M', 'MQTT-SN', 'true', 'false',
  '127.0.0.1', '::1', '::ffff:127.0.0.1', 'fe80::1%eth0', '1.2.3', '256.1.1.1', '0x7f.1', '2001:db8::1',
  'external', 'internal', 'alpha', 'user-1', 'a/b', 'sp ace', 'plus+hash#',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Text a client could put in a value, before any encoding. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS, ...NUMBERS, ...INSTANTS, ...VALID_VALUES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 3 }), loneSurrogate), { maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(1023, 1024, 2047, 2048, 2049, 4096, 4097, 70_000).chain((n) => fc.constantFrom('x', 'é', '😀').map((c) => c.repeat(n))) },
);

/** Percent-encoding, valid or not: of UTF-8 text, of raw bytes (overlong forms, encoded surrogates), or broken. */
const percentBytes = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.constantFrom(
    [0xed, 0xa0, 0x80], // U+D800 as UTF-8: a lone surrogate
    [0xed, 0xbf, 0xbf],
    [0xc0, 0xaf], // overlong '/'
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xf0, 0x9f, 0x98], // truncated emoji
    [0x00],
  ).map((bytes) => Uint8Array.from(bytes)),
).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

export function encodeLoosely(text: string, how: 'component' | 'raw' | 'plus'): string {
  if (how === 'raw') return text;
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    // A lone surrogate cannot be encoded; send it as it is.
    return text;
  }
  return how === 'plus' ? encoded.replace(/%20/g, '+') : encoded;
}

/** One raw `name=value` pair as it may appear in a query string. */
export const encodedValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(hostileText, fc.constantFrom('component', 'raw', 'plus') as fc.Arbitrary<'component' | 'raw' | 'plus'>).map(([t, how]) => encodeLoosely(t, how)) },
  { weight: 1, arbitrary: percentBytes },
  { weight: 1, arbitrary: fc.constantFrom('%', '%4', '%zz', '%%41', '%G1', '%u0041', '%2', '%E2%82', '%25%32%35') },
);

export const parameterName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_PARAMETERS) },
  { weight: 1, arbitrary: fc.constantFrom(...STRANGE_NAMES).map((n) => encodeLoosely(n, 'component')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((n) => encodeLoosely(n, 'raw')) },
);

export type CursorSource = {
  /** Cursors the API itself issued, each with the query string it was issued for. */
  issued: Array<{ query: string; cursor: string }>;
  /** Cursors signed with some other secret, each with the query string it names. */
  foreign: Array<{ query: string; cursor: string }>;
};

/** A `_cursor` value: issued (possibly for another query), truncated, altered, foreign or made up. */
export function cursorValue(source: CursorSource): fc.Arbitrary<string> {
  const issued = fc.constantFrom(...source.issued.map((i) => i.cursor));
  return fc.oneof(
    issued,
    fc.tuple(issued, fc.nat()).map(([c, cut]) => c.slice(0, cut % c.length)),
    fc.tuple(issued, fc.nat(), fc.constantFrom('A', '_', '-', '.', '=', '%', '+', '/')).map(
      ([c, at, ch]) => c.slice(0, at % c.length) + ch + c.slice((at % c.length) + 1),
    ),
    fc.constantFrom(...source.foreign.map((f) => f.cursor)),
    fc.tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 30 })).map(([a, b]) => `${a}.${b}`),
    fc.constantFrom('.', '..', 'a.b.c', 'x'.repeat(4096), 'x'.repeat(4097), `${'e30'}.${'A'.repeat(22)}`),
    hostileText,
  );
}

/** A valid instant in one of the accepted spellings: epoch seconds, epoch milliseconds, RFC 3339. */
const instant = fc.integer({ min: 0, max: 4_102_444_800_000 }).chain((ms) =>
  fc.constantFrom(String(Math.floor(ms / 1000)), String(Math.max(ms, 100_000_000_000)), new Date(ms).toISOString()),
);

/** Both bounds of one range, in either order (an inverted range is a valid, empty query). */
const rangePair = fc
  .tuple(fc.constantFrom('created_at', 'connected_at'), instant, instant)
  .map(([field, a, b]) => `_gte_${field}=${encodeURIComponent(a)}&_lte_${field}=${encodeURIComponent(b)}`);

/** A whole raw query string: known and unknown parameters, repeated, conflicting, with any cursor. */
export function queryString(source: CursorSource): fc.Arbitrary<string> {
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(parameterName, encodedValue).map(([n, v]) => `${n}=${v}`) },
    { weight: 1, arbitrary: cursorValue(source).map((c) => `_cursor=${encodeLoosely(c, 'component')}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_PARAMETERS), encodedValue, encodedValue).map(([n, a, b]) => `${n}=${a}&${n}=${b}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '&', '=', '==', 'clientid', 'clientid=', '=alpha', '?', '#frag', '&&&') },
    { weight: 1, arbitrary: rangePair },
  );
  const fromParts = fc
    .tuple(fc.array(pair, { maxLength: 8 }), fc.constantFrom('&', '&', '&', ';', '&&'))
    .map(([pairs, separator]) => pairs.join(separator));
  // A cursor the API issued or another deployment signed, replayed with its own query or with another one.
  const replayed = fc
    .tuple(fc.constantFrom(...source.issued, ...source.foreign), fc.constantFrom(...source.issued), fc.boolean())
    .map(([a, b, same]) => `${same ? a.query : b.query}&_cursor=${encodeURIComponent(a.cursor)}`);
  return fc.oneof({ weight: 6, arbitrary: fromParts }, { weight: 1, arbitrary: replayed });
}

/** A clientid path parameter, already URL-decoded as API Gateway hands it over. */
export const clientIdParameter: fc.Arbitrary<string> = fc.oneof(
  hostileText,
  fc.constantFrom('alpha', 'a/b', 'sp ace', 'plus+hash#', 'pct%41', '日本語', '😀emoji', 'comma,id', "o'reilly"),
  fc.constantFrom(2048, 2049).chain((n) => fc.constantFrom('c', 'é').map((c) => c.repeat(Math.ceil(n / Buffer.byteLength(c))))),
  fc.constantFrom('\u0000', 'a\u0000b', '\u0000counter#0', '\u0000counter#1'),
);
