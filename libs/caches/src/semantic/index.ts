export * from './semantic-cache.types';
export * from './semantic-cache.constants';
export * from './semantic-cache.factory';
export * from './embedding/embedder.types';
export * from './embedding/deterministic.embedder';
export * from './embedding/openai.embedder';
export { normaliseText } from './embedding/vector.util';
export { RedisSemanticCache, type RedisSemanticCacheOptions } from './redis/redis-semantic-cache';
export {
  QdrantSemanticCache,
  type QdrantSemanticCacheOptions,
} from './qdrant/qdrant-semantic-cache';
