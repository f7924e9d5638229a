import type { PoolColour } from '../split/split.util';

/**
 * Semantic-cache counters of one pool of one service. Like ReplicaStats, the compiled route holds
 * a direct reference, so counting on the hot path is a field increment.
 */
export class CacheStats {
  /** Answered from the cache without touching the pool. */
  hits = 0;
  /** Looked up and not found (slow or failed lookups included): proxied to the pool. */
  misses = 0;
  /** Not looked up: the pool has no generation, the cache is off, or the request is not cacheable. */
  bypasses = 0;
  /** Lookups that timed out or failed (also counted as misses). */
  lookupFailures = 0;
  /** Answers of the pool written to its generation. */
  stores = 0;
  storeFailures = 0;

  constructor(
    readonly service: string,
    readonly pool: PoolColour,
  ) {}
}
