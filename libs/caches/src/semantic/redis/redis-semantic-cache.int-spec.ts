import { Redis } from 'ioredis';
import { startRedisServer, waitFor, type ServerHandle } from '@greenlight/testing';
import { createSemanticCache } from '../semantic-cache.factory';
import type { CachedAnswer, SemanticCache } from '../semantic-cache.types';
import { SEMANTIC_KEY_PREFIX } from '../semantic-cache.constants';

const TTL = 600;
const QUESTION = 'What is the capital of France?';

function answer(content: string, release = 'v1'): CachedAnswer {
  return { content, finishReason: 'stop', release, createdAt: new Date(0).toISOString() };
}

describe('Redis semantic cache (real redis-server)', () => {
  let server: ServerHandle;
  let redis: Redis;
  let cache: SemanticCache;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    cache = createSemanticCache({ backend: 'redis', redis });
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterAll(async () => {
    await cache?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  it('answers a near-duplicate of a stored request, with its similarity', async () => {
    await cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('Paris'), TTL);

    const hit = await cache.lookup({
      service: 'chat',
      generation: 'g1',
      text: 'The capital of France is what?',
    });

    expect(hit?.answer.content).toBe('Paris');
    expect(hit?.similarity).toBeGreaterThanOrEqual(0.92);
    expect(hit?.similarity).toBeLessThan(1);
  });

  it('answers the same request in other case and punctuation exactly', async () => {
    await cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('Paris'), TTL);

    const hit = await cache.lookup({
      service: 'chat',
      generation: 'g1',
      text: '  what is the CAPITAL of france ',
    });

    expect(hit).toEqual({ answer: answer('Paris'), similarity: 1 });
  });

  it('misses a different question', async () => {
    await cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('Paris'), TTL);

    for (const text of ['What is the capital of Germany?', 'How do I bake sourdough bread?']) {
      expect(await cache.lookup({ service: 'chat', generation: 'g1', text })).toBeNull();
    }
  });

  it('never answers from another generation or another service', async () => {
    await cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('Paris'), TTL);

    expect(await cache.lookup({ service: 'chat', generation: 'g2', text: QUESTION })).toBeNull();
    expect(await cache.lookup({ service: 'code', generation: 'g1', text: QUESTION })).toBeNull();
    expect(await cache.countGeneration('chat', 'g2')).toBe(0);
  });

  it('keeps each generation its own answer to the same request', async () => {
    const query = { service: 'chat', text: QUESTION };
    await cache.store({ ...query, generation: 'g1' }, answer('Paris (v1)', 'v1'), TTL);
    await cache.store({ ...query, generation: 'g2' }, answer('Paris (v2)', 'v2'), TTL);

    expect((await cache.lookup({ ...query, generation: 'g1' }))?.answer.release).toBe('v1');
    expect((await cache.lookup({ ...query, generation: 'g2' }))?.answer.release).toBe('v2');
  });

  it('forgets an entry when its TTL runs out, buckets included', async () => {
    await cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('Paris'), 1);
    expect(await cache.countGeneration('chat', 'g1')).toBe(1);

    await waitFor(
      async () =>
        (await cache.lookup({ service: 'chat', generation: 'g1', text: QUESTION })) === null,
      { timeoutMs: 5_000, what: 'the entry to expire' },
    );

    expect(await cache.countGeneration('chat', 'g1')).toBe(0);
    await waitFor(async () => (await redis.dbsize()) === 0, {
      timeoutMs: 5_000,
      what: 'every key of the entry to expire',
    });
  });

  it('drops one generation completely and leaves the others alone; a second drop is a no-op', async () => {
    for (let i = 0; i < 50; i++) {
      const text = `question number ${i} about topic ${i * 7}`;
      await cache.store({ service: 'chat', generation: 'g1', text }, answer(`a${i}`), TTL);
      await cache.store({ service: 'chat', generation: 'g2', text }, answer(`b${i}`), TTL);
    }
    expect(await cache.countGeneration('chat', 'g1')).toBe(50);

    await cache.dropGeneration('chat', 'g1');
    await cache.dropGeneration('chat', 'g1');

    expect(await cache.countGeneration('chat', 'g1')).toBe(0);
    expect(await redis.keys(`${SEMANTIC_KEY_PREFIX}*chat:g1*`)).toEqual([]);
    expect(await redis.keys(`${SEMANTIC_KEY_PREFIX}*chat:g2*`)).not.toEqual([]);
    const text = 'question number 3 about topic 21';
    expect(await cache.lookup({ service: 'chat', generation: 'g1', text })).toBeNull();
    expect((await cache.lookup({ service: 'chat', generation: 'g2', text }))?.answer.content).toBe(
      'b3',
    );
    expect(await cache.countGeneration('chat', 'g2')).toBe(50);
  });

  it('finds each near-duplicate among 2,000 entries', async () => {
    const topics = Array.from(
      { length: 2_000 },
      (_, i) => `deploy service ${i} to region ${i % 37}`,
    );
    for (let i = 0; i < topics.length; i += 200) {
      await Promise.all(
        topics
          .slice(i, i + 200)
          .map((t, j) =>
            cache.store(
              { service: 'chat', generation: 'g1', text: `How do I ${t}?` },
              answer(`#${i + j}`),
              TTL,
            ),
          ),
      );
    }

    const probes = [0, 137, 999, 1_500, 1_999];
    const hits = await Promise.all(
      probes.map((i) =>
        cache.lookup({ service: 'chat', generation: 'g1', text: `how can i ${topics[i]!}` }),
      ),
    );

    expect(hits.map((h) => h?.answer.content)).toEqual(probes.map((i) => `#${i}`));
  });

  it('refuses a generation outside its alphabet and stores nothing', async () => {
    await expect(
      cache.store({ service: 'chat', generation: 'G1:*', text: QUESTION }, answer('x'), TTL),
    ).rejects.toThrow(/invalid generation/);
    await expect(
      cache.store({ service: 'chat', generation: 'g1', text: QUESTION }, answer('x'), 0),
    ).rejects.toThrow(/ttlSeconds/);
    expect(await redis.dbsize()).toBe(0);
  });
});
