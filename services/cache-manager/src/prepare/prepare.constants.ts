/** Who the cache-manager's events name as their actor. */
export const CACHE_MANAGER_ACTOR = 'system:cache-manager';

/** Injection token: where hot prefixes are read (RedisHotPrefixStore in production). */
export const HOT_PREFIX_READER = Symbol('HOT_PREFIX_READER');

/** A pre-warm may take its whole budget: one deployment's must not hold up another's. */
export const PREPARE_CONCURRENCY = 16;

/** What cache.prewarmed says when there was nothing to replay. */
export const NOTHING_PREWARMED = {
  prefixes: 0,
  tokens: 0,
  seconds: 0,
  replicas: 0,
  cachedTokens: 0,
} as const;

/** Why a pre-warm stopped before its budget ran out. */
export const PREWARM_STOPS = {
  moved: 'the deployment left WarmingUp',
  shutdown: 'cache-manager is shutting down',
} as const;
