import { Redis } from 'ioredis';
import { startRedisServer, type ServerHandle } from '@greenlight/testing';
import { HOT_PREFIX_KEYS } from './hot-prefix.constants';
import type { PrefixMessage } from './hot-prefix.types';
import { RedisHotPrefixStore } from './redis-hot-prefix.store';

const TAU_MS = 60_000;

function conversation(system: string, question = 'What now?'): PrefixMessage[] {
  return [
    { role: 'system', content: system.padEnd(640, '.') },
    { role: 'user', content: question },
  ];
}

describe('RedisHotPrefixStore (real redis-server)', () => {
  let server: ServerHandle;
  let redis: Redis;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const stores: RedisHotPrefixStore[] = [];

  function store(options: ConstructorParameters<typeof RedisHotPrefixStore>[1] = {}) {
    const created = new RedisHotPrefixStore(redis, {
      decayTauMs: TAU_MS,
      now: () => clock,
      ...options,
    });
    stores.push(created);
    return created;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });

  beforeEach(async () => {
    await redis.flushall();
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    redis?.disconnect();
    await server?.dispose();
  });

  it('returns the most requested prefixes first, with their messages and decayed counts', async () => {
    const hot = store();
    for (let i = 0; i < 5; i++) hot.record('chat', conversation('You are a lawyer.', `q${i}`));
    for (let i = 0; i < 2; i++) hot.record('chat', conversation('You are a chef.', `q${i}`));
    hot.record('other', conversation('You are a pirate.'));

    await hot.flush();
    const top = await hot.top('chat', 10);

    expect(top.map((p) => [p.messages[0]!.content.split('.')[0], Math.round(p.score)])).toEqual([
      ['You are a lawyer', 5],
      ['You are a chef', 2],
    ]);
    expect(top[0]).toMatchObject({ tokens: 160, messages: [{ role: 'system' }] });
    expect(await hot.top('chat', 1)).toHaveLength(1);
  });

  it('lets recent requests outweigh older ones (forward decay)', async () => {
    const hot = store();
    for (let i = 0; i < 3; i++) hot.record('chat', conversation('Old favourite.'));
    await hot.flush();

    clock += 2 * TAU_MS; // three old requests now weigh 3/e² ≈ 0.4
    hot.record('chat', conversation('New favourite.'));
    await hot.flush();
    const top = await hot.top('chat', 10);

    expect(top.map((p) => p.messages[0]!.content.slice(0, 14))).toEqual([
      'New favourite.',
      'Old favourite.',
    ]);
    expect(top[1]!.score).toBeCloseTo(3 * Math.exp(-2), 5);
  });

  it('keeps the top N in Redis, trimming the bodies along with the scores', async () => {
    const hot = store({ maxPrefixes: 3 });
    for (let p = 0; p < 6; p++) {
      for (let i = 0; i <= p; i++) hot.record('chat', conversation(`Prompt number ${p}.`));
    }

    await hot.flush();

    expect(await redis.zcard(HOT_PREFIX_KEYS.scores('chat'))).toBe(3);
    expect(await redis.hlen(HOT_PREFIX_KEYS.bodies('chat'))).toBe(3);
    expect((await hot.top('chat', 10)).map((p) => Math.round(p.score))).toEqual([6, 5, 4]);
  });

  it('bounds what it holds in memory between flushes', async () => {
    const hot = store({ maxPending: 2 });
    for (let p = 0; p < 5; p++) hot.record('chat', conversation(`Prompt number ${p}.`));
    hot.record('chat', conversation('Prompt number 0.'));

    await hot.flush();

    expect((await hot.top('chat', 10)).map((p) => Math.round(p.score))).toEqual([2, 1]);
  });

  it('flushes on its own about every second', async () => {
    const hot = new RedisHotPrefixStore(redis, { flushIntervalMs: 200 });
    stores.push(hot);

    hot.record('chat', conversation('Timer test.'));
    await new Promise((resolve) => setTimeout(resolve, 600));

    expect(await redis.zcard(HOT_PREFIX_KEYS.scores('chat'))).toBe(1);
  });

  it('keeps scores finite across many time constants (rescaling)', async () => {
    const hot = store();
    hot.record('chat', conversation('Long-lived.'));
    await hot.flush();

    clock += 1_000 * TAU_MS;
    hot.record('chat', conversation('Much later.'));
    await hot.flush();
    const top = await hot.top('chat', 10);

    expect(top[0]!.messages[0]!.content.slice(0, 11)).toBe('Much later.');
    expect(top.every((p) => Number.isFinite(p.score))).toBe(true);
  });

  it('never throws into the request path while Redis is down', async () => {
    // Not connected and no offline queue: every command fails at once, as during an outage.
    const dead = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false });
    const hot = new RedisHotPrefixStore(dead);

    expect(() => hot.record('chat', conversation('Outage.'))).not.toThrow();
    await expect(hot.close()).resolves.toBeUndefined();
    dead.disconnect();
  });
});
