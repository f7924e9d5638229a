/** Cosine similarity a stored request needs to answer a lookup (paraphrase, not a related question). */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.92;
export const DEFAULT_EMBEDDING_DIMENSIONS = 256;
export const DEFAULT_EMBEDDER_TIMEOUT_MS = 5_000;

/**
 * Random-hyperplane LSH: a lookup reads BANDS buckets of BITS bits each. At cosine 0.92 one bit
 * agrees with p = 1 - acos(0.92)/pi = 0.872, one band with p^14 = 0.147, so some band of 20
 * matches with 1 - 0.853^20 = 0.96 (0.99 at cosine 0.95). Unrelated texts share a bucket with
 * 20 * N / 16384 entries on average; 14 bits rather than 12 halve the members a lookup reads when
 * the entries are near each other (measured: ~400 instead of ~750 on the bench's 10,000).
 */
export const DEFAULT_LSH_BANDS = 20;
export const DEFAULT_LSH_BITS = 14;
/** Candidates whose vectors one lookup fetches, most-colliding first: bounds the work per lookup. */
export const DEFAULT_MAX_CANDIDATES = 32;
/** Seed of the hyperplanes: every process must cut the space the same way. */
export const LSH_SEED = 0x5eed_1a7e;

export const SEMANTIC_KEY_PREFIX = 'gl:sc:';

export const QDRANT_COLLECTION_PREFIX = 'gl-sc-';
/** Expired points are deleted by payload filter at most this often per collection. */
export const QDRANT_PURGE_INTERVAL_MS = 60_000;
export const DEFAULT_QDRANT_TIMEOUT_MS = 5_000;

export const SEMANTIC_CACHE_ERRORS = {
  redisClientMissing: 'semantic cache: backend "redis" needs a Redis client (options.redis)',
  qdrantUrlMissing: 'semantic cache: backend "qdrant" needs a Qdrant URL (options.qdrantUrl)',
  unknownBackend: (backend: string) => `semantic cache: unknown backend "${backend}"`,
  badThreshold: (value: number) => `semantic cache: threshold must be in (0, 1], got ${value}`,
  badTtl: (value: number) => `semantic cache: ttlSeconds must be a positive integer, got ${value}`,
  badQuery: (field: string, message: string) => `semantic cache: invalid ${field}: ${message}`,
  badLsh: (bands: number, bits: number) =>
    `semantic cache: LSH needs 1-64 bands of 1-30 bits, got ${bands} x ${bits}`,
  embedderStatus: (status: number, body: string) =>
    `embedder: /v1/embeddings answered ${status}: ${body.slice(0, 200)}`,
  embedderBadResponse: 'embedder: /v1/embeddings answer has no data[0].embedding array of numbers',
  embedderZeroVector: 'embedder: the embedding is the zero vector',
} as const;
