import { describe, expect, it } from 'vitest';
import { NativeClient } from '../../../functions/api/response-schema.js';
import { filterKind } from '../../../functions/clients/filter.js';
import { DEFAULT_LIMIT, MAX_ANY_OF, parseClientQuery } from '../../../functions/clients/query-params.js';
import { CLIENT_FIELDS } from '../../../functions/clients/render.js';
import { Failure } from '../../../functions/failures.js';
import { toApiError, type ApiError } from '../../../functions/http/errors.js';

/** The 400 a query string must end in (as the native surface answers it): code 108, naming the parameter. */
function invalid(rawQueryString: string): ApiError {
  try {
    parseClientQuery(rawQueryString);
  } catch (error) {
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).reason.kind).toBe('invalid-parameter');
    return toApiError(error);
  }
  throw new Error(`"${rawQueryString}" was accepted`);
}

function expectInvalid(rawQueryString: string, parameter: string) {
  const error = invalid(rawQueryString);
  expect(error.status).toBe(400);
  expect(error.code).toBe(108);
  expect(error.message).toContain(parameter);
}

const filterOf = (qs: string) => parseClientQuery(qs).filter;

describe('parseClientQuery defaults', () => {
  it('an empty query is no filter, page 1, limit 100, no cursor', () => {
    expect(parseClientQuery('')).toEqual({ filter: {}, page: 1, limit: 100, cursor: undefined });
    expect(DEFAULT_LIMIT).toBe(100);
  });

  it('ignores unknown parameters', () => {
    expect(parseClientQuery('foo=bar&_sort=clientid&Clientid=x&nodes=n1')).toEqual(parseClientQuery(''));
  });

  it('treats empty values as absent', () => {
    expect(parseClientQuery('clientid=&username=&zone=&conn_state=&_limit=&_page=&_gte_created_at=&_cursor=')).toEqual(
      parseClientQuery(''),
    );
    expect(filterOf('clientid=&clientid=a')).toEqual({ clientids: ['a'] });
  });
});

describe('parseClientQuery exact filters', () => {
  it('reads every exact filter', () => {
    expect(
      filterOf(
        'clientid=c1&username=u1&zone=external&ip_address=10.0.0.1&conn_state=connected&clean_start=false&proto_name=MQTT-SN&proto_ver=5',
      ),
    ).toEqual({
      clientids: ['c1'],
      usernames: ['u1'],
      zone: 'external',
      ip_address: '10.0.0.1',
      conn_state: 'connected',
      clean_start: false,
      proto_name: 'MQTT-SN',
      proto_ver: 5,
    });
  });

  it('takes each connection state and refuses others', () => {
    for (const state of ['connected', 'idle', 'disconnected']) expect(filterOf(`conn_state=${state}`)).toEqual({ conn_state: state });
    expectInvalid('conn_state=online', 'conn_state');
    expectInvalid('conn_state=Connected', 'conn_state');
  });

  it('takes clean_start true/false only', () => {
    expect(filterOf('clean_start=true')).toEqual({ clean_start: true });
    expect(filterOf('clean_start=false')).toEqual({ clean_start: false });
    expectInvalid('clean_start=1', 'clean_start');
    expectInvalid('clean_start=TRUE', 'clean_start');
  });

  it('takes the four protocol names, case-sensitively', () => {
    for (const name of ['MQTT', 'CoAP', 'LwM2M', 'MQTT-SN']) {
      expect(filterOf(`proto_name=${encodeURIComponent(name)}`)).toEqual({ proto_name: name });
    }
    expectInvalid('proto_name=mqtt', 'proto_name');
    expectInvalid('proto_name=HTTP', 'proto_name');
  });

  it('takes proto_ver from 0 to 255', () => {
    expect(filterOf('proto_ver=0')).toEqual({ proto_ver: 0 });
    expect(filterOf('proto_ver=255')).toEqual({ proto_ver: 255 });
    for (const bad of ['256', '-1', '4.0', 'v5', '0x4']) expectInvalid(`proto_ver=${bad}`, 'proto_ver');
  });

  it('keeps substrings as given, special characters included', () => {
    expect(filterOf(`_like_clientid=${encodeURIComponent('*?[(%.')}&_like_username=${encodeURIComponent('a b+c')}`)).toEqual({
      like_clientid: '*?[(%.',
      like_username: 'a b+c',
    });
  });

  it('refuses a text value over 2048 UTF-8 bytes', () => {
    const ok = 'é'.repeat(1024);
    expect(filterOf(`zone=${encodeURIComponent(ok)}`)).toEqual({ zone: ok });
    expectInvalid(`zone=${encodeURIComponent(`${ok}x`)}`, 'zone');
    expectInvalid(`clientid=${'x'.repeat(2049)}`, 'clientid');
    expectInvalid(`_like_username=${'x'.repeat(2049)}`, '_like_username');
  });
});

describe('parseClientQuery ip_address', () => {
  it('keeps IPv4 as it is', () => {
    expect(filterOf('ip_address=192.168.0.1')).toEqual({ ip_address: '192.168.0.1' });
  });

  it('normalizes IPv6 to its compressed lower-case form', () => {
    const spellings = ['2001:DB8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'];
    for (const spelling of spellings) {
      expect(filterOf(`ip_address=${encodeURIComponent(spelling)}`)).toEqual({ ip_address: '2001:db8::1' });
    }
    expect(filterOf('ip_address=%3A%3A1')).toEqual({ ip_address: '::1' });
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(filterOf(`ip_address=${encodeURIComponent('::ffff:10.1.2.3')}`)).toEqual({ ip_address: '10.1.2.3' });
  });

  it('refuses what is not an address', () => {
    for (const bad of ['300.1.1.1', '1.2.3', 'localhost', '2001:db8:::1', '10.0.0.1/8', 'fe80::1%eth0']) {
      expectInvalid(`ip_address=${encodeURIComponent(bad)}`, 'ip_address');
    }
  });

  it('refuses IPv4 shorthand and octal forms instead of reading them as another address', () => {
    // `010.0.0.1` would otherwise match 8.0.0.1, and `10` would match 0.0.0.10.
    for (const bad of ['010.0.0.1', '10', '10.1', '0xa.0.0.1', '3232235777']) {
      expectInvalid(`ip_address=${encodeURIComponent(bad)}`, 'ip_address');
    }
  });
});

describe('parseClientQuery time ranges', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('reads integers below 10^11 as epoch seconds', () => {
    expect(filterOf(`_gte_created_at=${at / 1000}`)).toEqual({ created_at: { gte: at } });
    expect(filterOf('_lte_connected_at=0')).toEqual({ connected_at: { lte: 0 } });
    expect(filterOf('_gte_created_at=9999999999')).toEqual({ created_at: { gte: 9_999_999_999_000 } });
    // 99999999999 s lies past what the 13-digit order keys hold.
    expectInvalid('_gte_created_at=99999999999', '_gte_created_at');
  });

  it('reads integers from 10^11 on as epoch milliseconds', () => {
    expect(filterOf('_gte_created_at=100000000000')).toEqual({ created_at: { gte: 100_000_000_000 } });
    expect(filterOf(`_lte_created_at=${at + 123}`)).toEqual({ created_at: { lte: at + 123 } });
  });

  it('reads RFC 3339 date-times, with offsets and fractions', () => {
    const cases: Array<[string, number]> = [
      ['2026-01-02T03:04:05Z', at],
      ['2026-01-02t03:04:05z', at],
      ['2026-01-02 03:04:05Z', at],
      ['2026-01-02T05:04:05+02:00', at],
      ['2026-01-01T22:04:05-05:00', at],
      ['2026-01-02T03:04:05.250Z', at + 250],
    ];
    for (const [value, ms] of cases) {
      expect(filterOf(`_gte_connected_at=${encodeURIComponent(value)}`), value).toEqual({ connected_at: { gte: ms } });
    }
  });

  it('joins a _gte_/_lte_ pair on one field into one range', () => {
    expect(filterOf(`_gte_created_at=${at / 1000}&_lte_created_at=${at + 5000}`)).toEqual({
      created_at: { gte: at, lte: at + 5000 },
    });
    expect(filterOf('_gte_connected_at=1&_lte_connected_at=2')).toEqual({ connected_at: { gte: 1000, lte: 2000 } });
  });

  it('refuses anything else', () => {
    const bad = ['yesterday', '2026-01-02', '2026-01-02T03:04:05', '-5', '1.5', '17e11', '99999999999999999', '2026-13-01T00:00:00Z'];
    for (const value of bad) {
      expectInvalid(`_gte_created_at=${encodeURIComponent(value)}`, '_gte_created_at');
      expectInvalid(`_lte_connected_at=${encodeURIComponent(value)}`, '_lte_connected_at');
    }
  });
});

describe('parseClientQuery message queue ranges', () => {
  it('reads non-negative integers', () => {
    expect(filterOf('_gte_mqueue_len=10&_lte_mqueue_len=20&_gte_mqueue_dropped=0&_lte_mqueue_dropped=7')).toEqual({
      mqueue_len: { gte: 10, lte: 20 },
      mqueue_dropped: { gte: 0, lte: 7 },
    });
  });

  it('refuses anything else', () => {
    for (const name of ['_gte_mqueue_len', '_lte_mqueue_len', '_gte_mqueue_dropped', '_lte_mqueue_dropped']) {
      for (const value of ['-1', '1.5', 'many']) expectInvalid(`${name}=${value}`, name);
    }
  });
});

describe('parseClientQuery paging', () => {
  it('reads _page and _limit', () => {
    expect(parseClientQuery('_page=3&_limit=25')).toMatchObject({ page: 3, limit: 25 });
    expect(parseClientQuery('_limit=1').limit).toBe(1);
    expect(parseClientQuery('_limit=1000').limit).toBe(1000);
  });

  it('refuses _limit outside 1..1000, naming it', () => {
    for (const bad of ['0', '1001', '-1', '10000', '1.5', 'all']) expectInvalid(`_limit=${bad}`, '_limit');
  });

  it('refuses an offset page beyond the first 100,000 rows, pointing to the cursor', () => {
    expect(parseClientQuery('_page=101&_limit=1000')).toMatchObject({ page: 101, limit: 1000 });
    expectInvalid('_page=102&_limit=1000', '_page');
    expectInvalid('_page=100002', '_page');
    expect(() => parseClientQuery('_page=102&_limit=1000')).toThrow(/cursor/);
    // A cursor carries its own position: the page number then only labels it.
    expect(parseClientQuery('_page=102&_limit=1000&_cursor=abc')).toMatchObject({ cursor: 'abc' });
  });

  it('refuses _page below 1 or not an integer, naming it', () => {
    for (const bad of ['0', '-1', 'x', '2.5']) expectInvalid(`_page=${bad}`, '_page');
  });

  it('passes the cursor through', () => {
    expect(parseClientQuery('_cursor=abc.def').cursor).toBe('abc.def');
    expectInvalid(`_cursor=${'x'.repeat(4097)}`, '_cursor');
  });
});

describe('parseClientQuery repeated parameters', () => {
  it('reads repeated clientid and username as any-of, dropping duplicates', () => {
    expect(filterOf('clientid=a&clientid=b&clientid=a&username=u&username=v')).toEqual({
      clientids: ['a', 'b'],
      usernames: ['u', 'v'],
    });
  });

  it('keeps a comma inside one clientid', () => {
    expect(filterOf('clientid=a%2Cb')).toEqual({ clientids: ['a,b'] });
  });

  it(`refuses more than ${MAX_ANY_OF} distinct values`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `clientid=c${i}`).join('&');
    expect(filterOf(many(MAX_ANY_OF)).clientids).toHaveLength(MAX_ANY_OF);
    expectInvalid(many(MAX_ANY_OF + 1), 'clientid');
  });

  it('accepts a single-valued parameter repeated with the same value', () => {
    expect(parseClientQuery('zone=z&zone=z&_limit=5&_limit=5')).toMatchObject({ filter: { zone: 'z' }, limit: 5 });
  });

  it('refuses a single-valued parameter repeated with different values, naming it', () => {
    for (const [name, a, b] of [
      ['zone', 'x', 'y'],
      ['conn_state', 'connected', 'idle'],
      ['_limit', '5', '6'],
      ['_page', '1', '2'],
      ['_gte_created_at', '1', '2'],
      ['proto_ver', '4', '5'],
    ] as const) {
      expectInvalid(`${name}=${a}&${name}=${b}`, name);
    }
  });
});

describe('filterKind', () => {
  it('tells no filter, conn_state only, and anything else apart', () => {
    expect(filterKind(filterOf('_page=2&_limit=5&foo=1'))).toBe('none');
    expect(filterKind(filterOf('conn_state=idle'))).toBe('conn_state');
    expect(filterKind(filterOf('conn_state=idle&zone=z'))).toBe('other');
    expect(filterKind(filterOf('clientid=a'))).toBe('other');
    expect(filterKind(filterOf('_gte_mqueue_len=1'))).toBe('other');
  });
});

describe('fields=', () => {
  it('takes all, or names of the client object, and refuses any other name, naming it', () => {
    expect(parseClientQuery('fields=all').fields).toBeUndefined();
    expect(parseClientQuery('fields=clientid,,recv_oct,clientid').fields).toEqual(['clientid', 'recv_oct']);
    expectInvalid('fields=bogus', 'bogus is none');
    expectInvalid('fields=clientid,conn_state', 'conn_state is none');
    expectInvalid('fields=,', 'fields');
  });

  it('knows exactly the fields the client object has (its response schema)', () => {
    expect([...CLIENT_FIELDS].sort()).toEqual(Object.keys(NativeClient.shape).sort());
  });
});
