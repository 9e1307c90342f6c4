import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTopicChange, fitTopicCap, subscribedTopics, TOPIC_SET_MAX_BYTES, TOPIC_SET_MAX_TOPICS, TOPIC_TOMBSTONE_MS, type TopicChange, type TopicMap } from '../../../functions/sessions/topics.js';

const fold = (changes: TopicChange[]): TopicMap => changes.reduce((set, c) => applyTopicChange(set, c) ?? set, {} as TopicMap);

describe('topic sets', () => {
  it('adds, changes the QoS of and removes topics', () => {
    const set = fold([
      { type: 'subscribed', at: 1, topics: [{ topic: 'a/#', qos: 1 }, { topic: 'b', qos: 0 }] },
      { type: 'subscribed', at: 2, topics: [{ topic: 'b', qos: 2 }] },
      { type: 'unsubscribed', at: 3, topics: ['a/#'] },
    ]);
    expect(subscribedTopics(set)).toEqual([{ topic: 'b', qos: 2 }]);
  });

  it('ignores a subscribe older than the unsubscribe it arrives after', () => {
    const set = fold([
      { type: 'unsubscribed', at: 10, topics: ['t'] },
      { type: 'subscribed', at: 5, topics: [{ topic: 't', qos: 1 }] },
    ]);
    expect(subscribedTopics(set)).toEqual([]);
  });

  it('lets an unsubscribe win over a subscribe of the same time, in either order', () => {
    // EMQX 4.4 stamps topic changes with their receive time, so equal times happen.
    const subscribe: TopicChange = { type: 'subscribed', at: 7, topics: [{ topic: 't', qos: 1 }] };
    const unsubscribe: TopicChange = { type: 'unsubscribed', at: 7, topics: ['t'] };
    expect(subscribedTopics(fold([subscribe, unsubscribe]))).toEqual([]);
    expect(subscribedTopics(fold([unsubscribe, subscribe]))).toEqual([]);
  });

  it('lets the higher QoS win between subscribes of the same time, in either order', () => {
    const low: TopicChange = { type: 'subscribed', at: 7, topics: [{ topic: 't', qos: 0 }] };
    const high: TopicChange = { type: 'subscribed', at: 7, topics: [{ topic: 't', qos: 2 }] };
    expect(subscribedTopics(fold([low, high]))).toEqual([{ topic: 't', qos: 2 }]);
    expect(subscribedTopics(fold([high, low]))).toEqual([{ topic: 't', qos: 2 }]);
  });

  it('reports no change for a duplicate', () => {
    const change: TopicChange = { type: 'subscribed', at: 1, topics: [{ topic: 't', qos: 1 }] };
    const once = fold([change]);
    expect(applyTopicChange(once, change)).toBeUndefined();
  });

  it('forgets unsubscribed topics after the tombstone time', () => {
    const set = fold([
      { type: 'unsubscribed', at: 0, topics: ['old'] },
      { type: 'subscribed', at: TOPIC_TOMBSTONE_MS + 1, topics: [{ topic: 'new', qos: 0 }] },
    ]);
    expect(Object.keys(set)).toEqual(['new']);
  });

  it('ends in the same set whatever the order and repetition of changes', () => {
    const topic = fc.constantFrom('a', 'b', 'c/+', 'd/#');
    const change: fc.Arbitrary<TopicChange> = fc.oneof(
      fc.record({
        type: fc.constant('subscribed' as const),
        at: fc.integer({ min: 0, max: 20 }),
        topics: fc.array(fc.record({ topic, qos: fc.constantFrom(0 as const, 1 as const, 2 as const) }), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({ type: fc.constant('unsubscribed' as const), at: fc.integer({ min: 0, max: 20 }), topics: fc.array(topic, { minLength: 1, maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), fc.infiniteStream(fc.nat()), (changes, seeds) => {
        const shuffled = [...changes, ...changes.slice(0, 2)];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = seeds.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(subscribedTopics(fold(shuffled))).toEqual(subscribedTopics(fold(changes)));
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});

describe('fitTopicCap', () => {
  const entry = (at: number, on: boolean) => ({ qos: 1 as const, at, on });
  const long = (name: string) => `${name}/${'x'.repeat(40_000)}`;

  it('takes a set within the cap as it is', () => {
    const set: TopicMap = { a: entry(1, true), b: entry(2, false) };
    expect(fitTopicCap(set)).toEqual({ set });
  });

  it('drops the oldest tombstones first to make room, never a subscribed topic', () => {
    const set: TopicMap = { [long('live1')]: entry(5, true), [long('live2')]: entry(5, true), [long('old')]: entry(1, false), [long('new')]: entry(3, false) };
    const fitted = fitTopicCap(set);
    expect('set' in fitted && Object.keys(fitted.set).sort()).toEqual([long('live1'), long('live2'), long('new')].sort());
  });

  it('refuses subscribed topics past the count or the bytes of the cap', () => {
    const many: TopicMap = Object.fromEntries(Array.from({ length: TOPIC_SET_MAX_TOPICS + 1 }, (_, i) => [`t/${i}`, entry(1, true)]));
    expect(fitTopicCap(many)).toEqual({ over: expect.stringContaining(`${TOPIC_SET_MAX_TOPICS} topics`) });
    const big: TopicMap = Object.fromEntries(Array.from({ length: Math.ceil(TOPIC_SET_MAX_BYTES / 40_000) }, (_, i) => [long(`b${i}`), entry(1, true)]));
    expect(fitTopicCap(big)).toEqual({ over: expect.stringContaining(`${TOPIC_SET_MAX_BYTES} bytes`) });
  });
});
