import { Injectable } from '@nestjs/common';
import type { PoolMetrics } from '@greenlight/contracts';
import type { PoolColour } from '../split/split.util';
import { CacheStats } from './cache-stats';
import { mergeSnapshot } from './latency-histogram.util';
import { E2E_PER_TOKEN_BUCKETS, ITL_BUCKETS, TTFT_BUCKETS } from './metrics.constants';
import { ReplicaStats } from './replica-stats';

/** All counters of this instance, cumulative since it started, per service/pool/release/replica. */
@Injectable()
export class GatewayStats {
  private readonly byKey = new Map<string, ReplicaStats>();
  private readonly cacheByKey = new Map<string, CacheStats>();

  /** The one stats object for this combination; created at first use and kept for good. */
  statsFor(service: string, pool: PoolColour, release: string, replica: string): ReplicaStats {
    const key = `${service}\u0000${pool}\u0000${release}\u0000${replica}`;
    let stats = this.byKey.get(key);
    if (!stats) {
      stats = new ReplicaStats(service, pool, release, replica);
      this.byKey.set(key, stats);
    }
    return stats;
  }

  all(): IterableIterator<ReplicaStats> {
    return this.byKey.values();
  }

  /** The one semantic-cache counter set of this service's pool; kept for good, like statsFor. */
  cacheStatsFor(service: string, pool: PoolColour): CacheStats {
    const key = `${service}\u0000${pool}`;
    let stats = this.cacheByKey.get(key);
    if (!stats) {
      stats = new CacheStats(service, pool);
      this.cacheByKey.set(key, stats);
    }
    return stats;
  }

  allCache(): IterableIterator<CacheStats> {
    return this.cacheByKey.values();
  }

  /**
   * One pool's cumulative metrics for the release the table routes to. `route` null: the pool
   * left the table, so report whichever release of it still has requests in flight (a drain
   * watches those), or null when none has.
   */
  poolSnapshot(
    service: string,
    pool: PoolColour,
    route: { release: string; endpoints: readonly string[]; weight: number } | null,
  ): PoolMetrics | null {
    const ofPool = [...this.byKey.values()].filter((s) => s.service === service && s.pool === pool);
    const reported = route?.release ?? ofPool.find((s) => s.inFlight > 0)?.release;
    if (reported === undefined) return null;
    const replicas = ofPool.filter((s) => s.release === reported);
    const snapshot: PoolMetrics = {
      release: reported,
      weight: route?.weight ?? 0,
      inFlight: 0,
      inFlightStreams: 0,
      requests: 0,
      errors: 0,
      abortedStreams: 0,
      ttft: mergeSnapshot(
        TTFT_BUCKETS,
        replicas.map((s) => s.ttft),
      ),
      itl: mergeSnapshot(
        ITL_BUCKETS,
        replicas.map((s) => s.itl),
      ),
      e2ePerToken: mergeSnapshot(
        E2E_PER_TOKEN_BUCKETS,
        replicas.map((s) => s.e2ePerToken),
      ),
      replicas: {},
    };
    let clientAborts = 0;
    for (const stats of replicas) {
      snapshot.inFlight += stats.inFlight;
      snapshot.inFlightStreams += stats.inFlightStreams;
      snapshot.requests += stats.requests;
      snapshot.errors += stats.errors;
      snapshot.abortedStreams += stats.upstreamAborts;
      clientAborts += stats.clientAborts;
      // Replicas the table routes to, and any other still finishing requests (a drain waits).
      if (stats.inFlight > 0 || route?.endpoints.includes(stats.replica)) {
        snapshot.replicas[stats.replica] = { inFlight: stats.inFlight };
      }
    }
    snapshot.clientAbortedStreams = clientAborts;
    return snapshot;
  }
}
