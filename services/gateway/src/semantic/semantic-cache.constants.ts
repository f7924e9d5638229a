/** Injection token of the semantic-cache backend (null when GATEWAY_SEMANTIC_CACHE=off). */
export const SEMANTIC_CACHE = Symbol('greenlight:gateway:SEMANTIC_CACHE');

/** What the gateway did with the semantic cache for a request (the x-greenlight-cache header). */
export type CacheStatus = 'hit' | 'miss' | 'bypass';

/** Consecutive failed or slow lookups after which the cache is left alone for a while. */
export const FAILURES_BEFORE_PAUSE = 3;
/** While paused every request is a miss at no cost: a Redis outage must not add latency. */
export const CACHE_PAUSE_MS = 1_000;
/** Larger answers are served but not stored (the capture would hold them in memory). */
export const MAX_CAPTURED_ANSWER_BYTES = 1024 * 1024;

/** Only answers that ended by themselves are kept: a `length` cut is not a whole answer. */
export const STORABLE_FINISH_REASON = 'stop';

export const SEMANTIC_CACHE_ERRORS = {
  lookupFailed: (reason: string) => `semantic-cache lookup failed (${reason}); serving misses`,
  paused: (failures: number, ms: number) =>
    `semantic cache failed ${failures} times in a row; skipping it for ${ms} ms`,
  storeFailed: (reason: string) => `semantic-cache store failed: ${reason}`,
  lookupTimeout: (ms: number) => `no answer within ${ms} ms`,
} as const;
