import type { Redis } from 'ioredis';
import { DeterministicEmbedder } from './embedding/deterministic.embedder';
import type { Embedder } from './embedding/embedder.types';
import { QdrantSemanticCache } from './qdrant/qdrant-semantic-cache';
import { RedisSemanticCache } from './redis/redis-semantic-cache';
import { DEFAULT_SIMILARITY_THRESHOLD, SEMANTIC_CACHE_ERRORS } from './semantic-cache.constants';
import type { SemanticCache } from './semantic-cache.types';
import { assertThreshold } from './semantic-query.util';

export type SemanticCacheBackend = 'redis' | 'qdrant';

export interface SemanticCacheOptions {
  backend: SemanticCacheBackend;
  /** Redis backend: the caller's client (close() leaves it open). */
  redis?: Redis;
  /** Qdrant backend: REST URL, e.g. http://127.0.0.1:6333. */
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** Cosine similarity a hit needs; default 0.92. */
  threshold?: number;
  /** Default: DeterministicEmbedder (feature hashing, 256 dimensions). */
  embedder?: Embedder;
  /** Redis LSH shape and per-lookup candidate bound (defaults: 20 bands x 14 bits, 32). */
  lsh?: { bands?: number; bits?: number; maxCandidates?: number };
  /** Qdrant request timeout. */
  timeoutMs?: number;
}

/** The semantic cache for the gateway (lookup/store) and the cache-manager (drop/count). */
export function createSemanticCache(options: SemanticCacheOptions): SemanticCache {
  const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  assertThreshold(threshold);
  const embedder = options.embedder ?? new DeterministicEmbedder();
  switch (options.backend) {
    case 'redis':
      if (!options.redis) throw new Error(SEMANTIC_CACHE_ERRORS.redisClientMissing);
      return new RedisSemanticCache({
        redis: options.redis,
        embedder,
        threshold,
        ...options.lsh,
      });
    case 'qdrant':
      if (!options.qdrantUrl) throw new Error(SEMANTIC_CACHE_ERRORS.qdrantUrlMissing);
      return new QdrantSemanticCache({
        url: options.qdrantUrl,
        ...(options.qdrantApiKey ? { apiKey: options.qdrantApiKey } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        embedder,
        threshold,
      });
    default:
      throw new Error(SEMANTIC_CACHE_ERRORS.unknownBackend(String(options.backend)));
  }
}
