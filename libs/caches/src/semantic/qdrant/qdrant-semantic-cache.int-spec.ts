import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { sleep } from '@greenlight/testing';
import type { CachedAnswer } from '../semantic-cache.types';
import { QdrantSemanticCache } from './qdrant-semantic-cache';
import { DeterministicEmbedder } from '../embedding/deterministic.embedder';
import { DEFAULT_SIMILARITY_THRESHOLD } from '../semantic-cache.constants';
import { collectionName, liveAlias } from './qdrant-semantic.names';
import { QdrantLoopbackServer } from './testing/qdrant-loopback.server';

const TTL = 600;
const QUESTION = 'What is the capital of France?';

interface Target {
  name: string;
  start(): Promise<string>;
  stop(): Promise<void>;
  /** Requests the 1.19 OpenAPI document rejects (the live server checks for itself). */
  violations(): string[];
}

function loopbackTarget(): Target {
  const server = new QdrantLoopbackServer();
  return {
    name: 'loopback server validating against the Qdrant 1.19 OpenAPI document',
    start: () => server.start(),
    stop: () => server.stop(),
    violations: () => server.violations,
  };
}

/** A live Qdrant too whenever QDRANT_URL is set (the loopback target always runs). */
function liveTarget(url: string): Target {
  return {
    name: `live Qdrant at ${url}`,
    start: () => Promise.resolve(url),
    stop: () => Promise.resolve(),
    violations: () => [],
  };
}

const QDRANT_URL = process.env['QDRANT_URL'];
const targets: Target[] = [loopbackTarget(), ...(QDRANT_URL ? [liveTarget(QDRANT_URL)] : [])];

function answer(content: string, release = 'v1'): CachedAnswer {
  return { content, finishReason: 'stop', release, createdAt: new Date(0).toISOString() };
}

describe.each(targets)('Qdrant semantic cache: $name', (target) => {
  let url: string;
  let cache: QdrantSemanticCache;
  let raw: QdrantClient;
  /** A fresh service per test: a live server keeps collections of earlier runs. */
  let service: string;

  beforeAll(async () => {
    url = await target.start();
    cache = new QdrantSemanticCache({
      url,
      embedder: new DeterministicEmbedder(),
      threshold: DEFAULT_SIMILARITY_THRESHOLD,
    });
    raw = new QdrantClient({ url, checkCompatibility: false });
  });
  beforeEach(() => {
    service = `chat-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    await Promise.all(['g1', 'g2'].map((g) => cache.dropGeneration(service, g)));
    expect(target.violations()).toEqual([]);
  });
  afterAll(async () => {
    await cache?.close();
    await target.stop();
  });

  it('answers a near-duplicate and misses a different question', async () => {
    await cache.store({ service, generation: 'g1', text: QUESTION }, answer('Paris'), TTL);

    const hit = await cache.lookup({
      service,
      generation: 'g1',
      text: 'The capital of France is what?',
    });
    const miss = await cache.lookup({
      service,
      generation: 'g1',
      text: 'What is the capital of Germany?',
    });

    expect(hit?.answer).toEqual(answer('Paris'));
    expect(hit?.similarity).toBeGreaterThanOrEqual(DEFAULT_SIMILARITY_THRESHOLD);
    expect(miss).toBeNull();
    expect(await cache.countGeneration(service, 'g1')).toBe(1);
  });

  it('never answers from another generation, even one stored in the same process', async () => {
    await cache.store({ service, generation: 'g1', text: QUESTION }, answer('Paris (v1)'), TTL);

    expect(await cache.lookup({ service, generation: 'g2', text: QUESTION })).toBeNull();

    await cache.store({ service, generation: 'g2', text: QUESTION }, answer('Paris (v2)'), TTL);
    const g1 = await cache.lookup({ service, generation: 'g1', text: QUESTION });
    const g2 = await cache.lookup({ service, generation: 'g2', text: QUESTION });
    expect([g1?.answer.content, g2?.answer.content]).toEqual(['Paris (v1)', 'Paris (v2)']);
  });

  it('stops serving an entry when its TTL runs out and deletes it by payload filter', async () => {
    await cache.store({ service, generation: 'g1', text: QUESTION }, answer('Paris'), 1);
    await sleep(1_100);

    expect(await cache.lookup({ service, generation: 'g1', text: QUESTION })).toBeNull();
    expect(await cache.countGeneration(service, 'g1')).toBe(0);

    await cache.purgeExpired(service, 'g1');
    const { count } = await raw.count(collectionName(service, 'g1'), { exact: true });
    expect(count).toBe(0);
  });

  it('drops a generation with its collection and keeps the others; a second drop is a no-op', async () => {
    await cache.store({ service, generation: 'g1', text: QUESTION }, answer('Paris (v1)'), TTL);
    await cache.store({ service, generation: 'g2', text: QUESTION }, answer('Paris (v2)'), TTL);

    await cache.dropGeneration(service, 'g1');
    await cache.dropGeneration(service, 'g1');

    expect(await cache.lookup({ service, generation: 'g1', text: QUESTION })).toBeNull();
    expect(await cache.countGeneration(service, 'g1')).toBe(0);
    expect((await raw.collectionExists(collectionName(service, 'g1'))).exists).toBe(false);
    expect(await cache.countGeneration(service, 'g2')).toBe(1);
  });

  it('switches the live alias from one generation to the next in one call', async () => {
    await cache.store({ service, generation: 'g1', text: QUESTION }, answer('Paris (v1)'), TTL);
    await cache.store({ service, generation: 'g2', text: QUESTION }, answer('Paris (v2)'), TTL);

    await cache.activateGeneration(service, 'g1');
    await cache.activateGeneration(service, 'g2');

    const { aliases } = await raw.getAliases();
    expect(aliases.filter((a) => a.alias_name === liveAlias(service))).toEqual([
      { alias_name: liveAlias(service), collection_name: collectionName(service, 'g2') },
    ]);
  });

  it('refuses a generation outside its alphabet before sending anything', async () => {
    await expect(
      cache.store({ service, generation: 'G/1', text: QUESTION }, answer('x'), TTL),
    ).rejects.toThrow(/invalid generation/);
  });
});

describe('the Qdrant loopback server itself', () => {
  const server = new QdrantLoopbackServer();
  let url: string;
  let raw: QdrantClient;

  beforeAll(async () => {
    url = await server.start();
    raw = new QdrantClient({ url, checkCompatibility: false });
  });
  afterAll(() => server.stop());

  it('rejects what Qdrant 1.19 would: a removed endpoint and a body that breaks the schema', async () => {
    // search gave way to query in 1.19's document; an adapter still calling it must fail here.
    await expect(raw.search('c', { vector: [1, 0], limit: 1 })).rejects.toThrow();
    await expect(raw.query('c', { query: [1, 0], limit: 0 })).rejects.toThrow();

    expect(server.violations.splice(0)).toEqual([
      expect.stringContaining('POST /collections/c/points/search: no such operation'),
      expect.stringContaining('/limit must be >= 1'),
    ]);
  });

  it('sees an alias switch as one aliases call: delete the old alias, create the new one', async () => {
    const cache = new QdrantSemanticCache({
      url,
      embedder: new DeterministicEmbedder(),
      threshold: DEFAULT_SIMILARITY_THRESHOLD,
    });
    for (const generation of ['g1', 'g2']) {
      await cache.store({ service: 'chat', generation, text: QUESTION }, answer('Paris'), TTL);
    }

    await cache.activateGeneration('chat', 'g1');
    await cache.activateGeneration('chat', 'g2');

    const switches = server.requests.filter((r) => r.operationId === 'update_aliases');
    expect(switches.map((r) => r.body)).toEqual([
      {
        actions: [{ create_alias: { alias_name: 'gl-sc-chat', collection_name: 'gl-sc-chat_g1' } }],
      },
      {
        actions: [
          { delete_alias: { alias_name: 'gl-sc-chat' } },
          { create_alias: { alias_name: 'gl-sc-chat', collection_name: 'gl-sc-chat_g2' } },
        ],
      },
    ]);
    expect(server.violations).toEqual([]);
  });
});
