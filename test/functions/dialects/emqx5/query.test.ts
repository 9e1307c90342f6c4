/**
 * EMQX 5's list parameters, parsed. Each case names the line of emqx/emqx
 * tag v5.8.9 it follows (apps/emqx_management/src/emqx_mgmt_api_clients.erl
 * unless another file is named).
 */
import { describe, expect, it } from 'vitest';
import { parseEmqx5List } from '../../../../functions/dialects/emqx5/list.js';
import { EMQX5_DIALECT } from '../../../../functions/dialects/emqx5/index.js';
import { Failure } from '../../../../functions/failures.js';

const parse = (raw: string, action: 'listClients' | 'listClientsByCursor' = 'listClients') => parseEmqx5List(raw, {}, action);

function refused(raw: string, action: 'listClients' | 'listClientsByCursor' = 'listClients') {
  try {
    parse(raw, action);
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    const response = EMQX5_DIALECT.renderError(error.reason);
    const body = JSON.parse(response.body) as { code: string; message: string };
    return { status: response.statusCode, code: body.code, message: body.message };
  }
  throw new Error(`${raw} was taken`);
}

describe('EMQX 5 list parameters', () => {
  it('emqx_dashboard_swagger.erl:91-92,191-202: page defaults to 1, limit to 100, at most 10000', () => {
    expect(parse('').query).toMatchObject({ page: 1, limit: 100 });
    expect(parse('page=3&limit=10000').query).toMatchObject({ page: 3, limit: 10000 });
    for (const bad of ['limit=10001', 'limit=0', 'limit=abc', 'page=0', 'page=-1']) {
      expect(refused(bad)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    }
    expect(refused('limit=10001').message).toContain('limit');
  });

  it('emqx_dashboard_swagger.erl:378: a value the schema refuses is 400 BAD_REQUEST naming the parameter', () => {
    expect(refused('conn_state=sleeping')).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(refused('conn_state=sleeping').message).toContain('conn_state');
    expect(refused('clean_start=yes').message).toContain('clean_start');
    expect(refused('gte_created_at=yesterday').message).toContain('gte_created_at');
  });

  it('l.78-94 ?CLIENT_QSCHEMA and l.951-958: ip_address and proto_ver that do not convert are INVALID_PARAMETER with its message', () => {
    expect(refused('ip_address=10.0.0')).toEqual({ status: 400, code: 'INVALID_PARAMETER', message: 'the ip_address parameter expected type is ip, but the value is 10.0.0' });
    expect(refused('proto_ver=five')).toEqual({ status: 400, code: 'INVALID_PARAMETER', message: 'the proto_ver parameter expected type is integer, but the value is five' });
    // An integer no MQTT version has is taken and matches nothing.
    expect(parse('proto_ver=300').query.impossible).toBe(true);
    expect(parse('proto_ver=99').query.filter.proto_ver).toBe(99);
    expect(parse('ip_address=::ffff:10.0.0.1').query.filter.ip_address).toBe('10.0.0.1');
  });

  it('l.405-517: names carry no underscore; the 4.x spellings and unknown parameters are ignored', () => {
    const { query } = parse(
      'like_clientid=sen&like_username=ten&conn_state=connected&clean_start=false&proto_ver=5&ip_address=10.0.0.1&_like_clientid=x&_limit=5&zone=a&proto_name=MQTT',
    );
    expect(query.filter).toEqual({
      like_clientid: 'sen',
      like_username: 'ten',
      conn_state: 'connected',
      clean_start: false,
      proto_ver: 5,
      ip_address: '10.0.0.1',
    });
    expect(query.limit).toBe(100);
  });

  it('l.425-433,507-515: clientid and username repeat for "any of these"', () => {
    const { query } = parse('clientid=a&clientid=b&username=u1&username=u2');
    expect(query.filter).toMatchObject({ clientids: ['a', 'b'], usernames: ['u1', 'u2'] });
  });

  it('l.473-506 and emqx_utils_calendar.erl:99-114: times are epoch milliseconds (never seconds) or RFC 3339', () => {
    expect(parse('gte_created_at=1700000000000&lte_created_at=2026-01-02T03:04:05.678Z').query.filter.created_at).toEqual({
      gte: 1_700_000_000_000,
      lte: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    });
    // 10 digits is still milliseconds here (the native surface would read it as seconds).
    expect(parse('gte_connected_at=1700000000').query.filter.connected_at).toEqual({ gte: 1_700_000_000 });
    expect(parse('lte_connected_at=2026-01-02T03:04:05%2B02:00').query.filter.connected_at).toEqual({ lte: Date.UTC(2026, 0, 2, 1, 4, 5) });
  });

  it('l.410-421: GET /clients takes node and page; l.405-409: clients_v2 takes cursor, and ignores page and node', () => {
    expect(parse('node=emqx@a&page=2').query).toMatchObject({ page: 2, filter: { node: 'emqx@a' } });
    const v2 = parse('node=emqx@a&page=2&cursor=abc', 'listClientsByCursor');
    expect(v2.query).toMatchObject({ page: 1, cursor: 'abc', filter: {} });
    expect(v2.action).toBe('listClientsByCursor');
    expect(parse('cursor=abc').query.cursor).toBeUndefined();
  });

  it('l.824-848 fields: all, or a CSV of fields(client) names and client_attrs; another name is refused', () => {
    expect(parse('fields=all').fields).toBeUndefined();
    const picked = parse('fields=clientid,,connected,inflight_cnt,client_attrs');
    expect(picked.fields).toEqual(['clientid', 'connected', 'inflight_cnt', 'client_attrs']);
    // The domain is told the session attributes behind them.
    expect(picked.query.fields).toEqual(['clientid', 'connected', 'inflight']);
    expect(parse('fields=n_streams').fields).toEqual(['n_streams']);
    expect(refused('fields=clientid,zone')).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(refused('fields=clientid,zone').message).toContain('zone');
  });
});
