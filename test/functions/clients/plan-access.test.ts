import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_USERNAME_PARTITIONS, planAccess, type AccessPath } from '../../../functions/clients/list-clients.js';
import { parseClientQuery } from '../../../functions/clients/query-params.js';
import { compareBytes, keyAfter, orderKey } from '../../../functions/sessions/keys.js';
import { propertyRuns } from '../../support/property-seed.js';

const SHARDS = 4;
const NOW = Date.UTC(2026, 5, 1);

const plan = (qs: string, after?: string) => planAccess(parseClientQuery(qs), SHARDS, NOW, after);

function indexPath(path: AccessPath): Extract<AccessPath, { kind: 'index' }> {
  if (path.kind !== 'index') throw new Error(`expected an index walk, got ${path.kind}`);
  return path;
}

const attrs = (conditions: { attr: string }[]) => conditions.map((c) => c.attr).sort();
const expressionAttrs = (path: Extract<AccessPath, { kind: 'index' }>) => Object.values(path.walk.filter?.names ?? {}).sort();

describe('planAccess', () => {
  /** Both partitions of every shard: all live sessions, each in one. */
  const ALL_SESSIONS = ['connected', 'disconnected'].flatMap((prefix) => [0, 1, 2, 3].map((shard) => `${prefix}#${shard}`));

  it('reads named clientids by key, checking every other condition on the item', () => {
    const path = plan('clientid=a&clientid=b&zone=z&_gte_created_at=1&_gte_mqueue_len=3');
    expect(path.kind).toBe('keys');
    if (path.kind !== 'keys') return;
    expect(path.clientids).toEqual(['a', 'b']);
    expect(attrs(path.conditions)).toEqual(['clientid', 'created_at', 'mqueue_len', 'zone']);
  });

  it('walks only the partitions of sessions that outlive their connection for offline sessions, filtering on conn_state', () => {
    const path = indexPath(plan('conn_state=disconnected&zone=z'));
    expect(path.walk.index.indexName).toBe('by-conn-state');
    expect(path.walk.partitions).toEqual(['disconnected#0', 'disconnected#1', 'disconnected#2', 'disconnected#3']);
    // Those partitions hold such sessions while connected too.
    expect(expressionAttrs(path)).toEqual(['conn_state', 'expires_at', 'zone']);
    expect(path.residual).toEqual([]);
  });

  it('walks the by-username-key partitions of each username on every shard, before any other index', () => {
    const path = indexPath(plan('username=u&username=v%23w&conn_state=connected'));
    expect(path.walk.index.indexName).toBe('by-username-key');
    expect(path.walk.partitions).toEqual(['0#u', '1#u', '2#u', '3#u', '0#v#w', '1#v#w', '2#v#w', '3#v#w']);
    // Its entries hold keys only: conn_state and the expiry are checked on the full items.
    expect(path.walk.filter).toBeUndefined();
    expect(attrs(path.residual)).toEqual(['conn_state']);
    expect(path.checksItems).toBe(true);
  });

  it('filters username entries on the clientid they hold, and checks everything else on items', () => {
    const path = indexPath(plan('username=u&_like_clientid=x&zone=z&_like_username=u&_gte_mqueue_len=1'));
    expect(expressionAttrs(path)).toEqual(['clientid']);
    expect(path.walk.filter?.expression).not.toContain('#exp');
    expect(attrs(path.residual)).toEqual(['mqueue_len', 'username', 'zone']);
  });

  it('walks the state partitions with a username filter while the username index cannot be read', () => {
    const path = indexPath(planAccess(parseClientQuery('username=u&conn_state=connected'), SHARDS, NOW, undefined, { usernameIndex: false }));
    expect(path.walk.index.indexName).toBe('by-conn-state');
    // A connected session is in either partition of its shard.
    expect(path.walk.partitions).toEqual(ALL_SESSIONS);
    expect(expressionAttrs(path)).toEqual(['conn_state', 'expires_at', 'username']);
    expect(path.checksItems).toBe(false);
  });

  it('walks all sessions for more usernames than the username index takes at once', () => {
    const many = Array.from({ length: MAX_USERNAME_PARTITIONS / SHARDS + 1 }, (_, i) => `username=u${i}`).join('&');
    expect(indexPath(plan(many)).walk.partitions).toEqual(ALL_SESSIONS);
    expect(indexPath(plan(`username=${'x'.repeat(2001)}`)).walk.partitions).toEqual(ALL_SESSIONS);
  });

  it('walks every state partition of by-conn-state, merged, when nothing selects a narrower index', () => {
    for (const qs of ['', 'zone=z', '_like_clientid=x', 'ip_address=10.0.0.1&proto_ver=5']) {
      const path = indexPath(plan(qs));
      expect(path.walk.index.indexName).toBe('by-conn-state');
      expect(path.walk.partitions).toEqual(ALL_SESSIONS);
      expect(path.walk.low <= path.walk.high).toBe(true);
    }
  });

  it('always filters out sessions expired at the time of the request', () => {
    const path = indexPath(plan(''));
    expect(path.walk.filter?.expression).toContain('#exp > :now');
    expect(path.walk.filter?.values[':now']).toBe(NOW);
  });

  it('turns a created_at range into order-key bounds, not a filter', () => {
    const gte = Date.UTC(2026, 0, 1);
    const lte = Date.UTC(2026, 0, 2);
    for (const qs of [`_gte_created_at=${gte}&_lte_created_at=${lte}`, `conn_state=connected&_gte_created_at=${gte}&_lte_created_at=${lte}`]) {
      const path = indexPath(plan(qs));
      expect(expressionAttrs(path)).not.toContain('created_at');
      const inRange = [orderKey(gte, 'a'), orderKey(lte, 'a'), orderKey(gte, '\u{10FFFF}'), orderKey(lte, '\u0001')];
      const outside = [orderKey(gte - 1, 'a'), orderKey(lte + 1, 'a'), orderKey(gte - 1, '\u0001'), orderKey(lte + 1, '\u{10FFFF}')];
      for (const key of inRange) expect(compareBytes(key, path.walk.low) >= 0 && compareBytes(key, path.walk.high) <= 0).toBe(true);
      for (const key of outside) expect(compareBytes(key, path.walk.low) >= 0 && compareBytes(key, path.walk.high) <= 0).toBe(false);
    }
  });

  it('order-key bounds hold exactly the sessions created in the range (property)', () => {
    const ms = fc.integer({ min: 0, max: 4_102_444_800_000 });
    fc.assert(
      fc.property(ms, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.option(ms), fc.option(ms), (created, clientid, gte, lte) => {
        const qs = [gte !== null ? `_gte_created_at=${gte + 1e11}` : '', lte !== null ? `_lte_created_at=${lte + 1e11}` : '']
          .filter(Boolean)
          .join('&');
        const path = indexPath(plan(qs));
        const key = orderKey(created + 1e11, clientid);
        const within = compareBytes(key, path.walk.low) >= 0 && compareBytes(key, path.walk.high) <= 0;
        const expected = (gte === null || created >= gte) && (lte === null || created <= lte);
        expect(within).toBe(expected);
      }),
      propertyRuns(500),
    );
  });

  it('starts after the cursor position when it lies inside the range', () => {
    const key = orderKey(Date.UTC(2026, 0, 1), 'dev-1');
    expect(indexPath(plan('', key)).walk.low).toBe(keyAfter(key));
    // A position before the range does not widen it.
    const gte = Date.UTC(2025, 0, 1);
    const lte = Date.UTC(2025, 0, 2);
    const ranged = indexPath(plan(`_gte_created_at=${gte}&_lte_created_at=${lte}`, key));
    expect(compareBytes(ranged.walk.low, key) > 0).toBe(true);
    expect(ranged.walk.low).toBe(indexPath(plan(`_gte_created_at=${gte}&_lte_created_at=${lte}`)).walk.low);
  });

  it('leaves message-queue filters to the full items (residual), out of the index filter', () => {
    const path = indexPath(plan('_gte_mqueue_len=5&_lte_mqueue_dropped=2&zone=z'));
    expect(attrs(path.residual)).toEqual(['mqueue_dropped', 'mqueue_len']);
    expect(expressionAttrs(path)).toEqual(['expires_at', 'zone']);
    expect(attrs(path.conditions)).toEqual(['mqueue_dropped', 'mqueue_len', 'zone']);
    expect(path.checksItems).toBe(true);
    expect(indexPath(plan('zone=z')).checksItems).toBe(false);
  });
});
