import { Redis } from 'ioredis';
import { QdrantSemanticCache } from './qdrant/qdrant-semantic-cache';
import { RedisSemanticCache } from './redis/redis-semantic-cache';
import { SEMANTIC_CACHE_ERRORS } from './semantic-cache.constants';
import { createSemanticCache, type SemanticCacheBackend } from './semantic-cache.factory';

describe('createSemanticCache', () => {
  it('builds the Redis backend by default shape and the Qdrant backend on request', async () => {
    // lazyConnect: no server is needed to build the cache.
    const redis = new Redis({ lazyConnect: true });
    const onRedis = createSemanticCache({ backend: 'redis', redis });
    const onQdrant = createSemanticCache({ backend: 'qdrant', qdrantUrl: 'http://127.0.0.1:1' });

    expect(onRedis).toBeInstanceOf(RedisSemanticCache);
    expect(onQdrant).toBeInstanceOf(QdrantSemanticCache);
    await Promise.all([onRedis.close(), onQdrant.close()]);
    redis.disconnect();
  });

  it.each([
    [{ backend: 'redis' as const }, SEMANTIC_CACHE_ERRORS.redisClientMissing],
    [{ backend: 'qdrant' as const }, SEMANTIC_CACHE_ERRORS.qdrantUrlMissing],
    [
      { backend: 'pinecone' as SemanticCacheBackend },
      SEMANTIC_CACHE_ERRORS.unknownBackend('pinecone'),
    ],
    [
      { backend: 'qdrant' as const, qdrantUrl: 'http://q', threshold: 1.5 },
      SEMANTIC_CACHE_ERRORS.badThreshold(1.5),
    ],
  ])('refuses %j with a message that says what is missing', (options, message) => {
    expect(() => createSemanticCache(options)).toThrow(message);
  });
});
