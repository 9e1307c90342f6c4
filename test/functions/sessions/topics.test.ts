import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTopicChange, subscribedTopics, TOPIC_TOMBSTONE_MS, type TopicChange, type TopicMap } from '../../../functions/sessions/topics.js';

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
