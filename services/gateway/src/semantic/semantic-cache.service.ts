import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { SemanticCache, SemanticHit, SemanticQuery } from '@greenlight/caches';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { GatewayConfig } from '../config/gateway.config';
import type { CacheStats } from '../metrics/cache-stats';
import type { ReadAnswer } from './answer-capture.util';
import {
  CACHE_PAUSE_MS,
  FAILURES_BEFORE_PAUSE,
  SEMANTIC_CACHE,
  SEMANTIC_CACHE_ERRORS,
} from './semantic-cache.constants';

const LOG_INTERVAL_MS = 5_000;

/**
 * The gateway's use of the semantic cache: a lookup that never takes longer than the configured
 * timeout and never fails (slow or broken = miss), and fire-and-forget stores. After a few
 * failures in a row it stops asking for a moment, so an outage costs no latency at all.
 */
@Injectable()
export class SemanticCacheService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SemanticCacheService.name);
  private readonly timeoutMs: number;
  private readonly ttlSeconds: number;
  private failures = 0;
  private pausedUntil = 0;
  private lastLog = 0;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(SEMANTIC_CACHE) private readonly backend: SemanticCache | null,
  ) {
    this.timeoutMs = config.GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS;
    this.ttlSeconds = config.GATEWAY_SEMANTIC_TTL;
  }

  get enabled(): boolean {
    return this.backend !== null;
  }

  /** The hit for `query`, or null (also when slow, failing or paused); never rejects. */
  lookup(query: SemanticQuery, stats: CacheStats): Promise<SemanticHit | null> {
    const backend = this.backend;
    if (!backend || this.paused()) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stats.lookupFailures++;
        this.failed(SEMANTIC_CACHE_ERRORS.lookupTimeout(this.timeoutMs));
        resolve(null);
      }, this.timeoutMs);
      backend.lookup(query).then(
        (hit) => {
          clearTimeout(timer);
          this.failures = 0;
          resolve(hit);
        },
        (error: unknown) => {
          clearTimeout(timer);
          stats.lookupFailures++;
          this.failed((error as Error).message);
          resolve(null);
        },
      );
    });
  }

  /**
   * Keeps the pool's answer under `query.generation`: the generation captured when the request
   * was routed, so a flip while it was generating cannot file it under another pool's.
   */
  store(query: SemanticQuery, answer: ReadAnswer, release: string, stats: CacheStats): void {
    const backend = this.backend;
    if (!backend || this.paused()) return;
    const cached = { ...answer, release, createdAt: new Date().toISOString() };
    backend.store(query, cached, this.ttlSeconds).then(
      () => {
        stats.stores++;
      },
      (error: unknown) => {
        stats.storeFailures++;
        this.log(SEMANTIC_CACHE_ERRORS.storeFailed((error as Error).message));
      },
    );
  }

  /** Before the shared Redis client is closed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.backend?.close();
  }

  private paused(): boolean {
    return this.pausedUntil !== 0 && performance.now() < this.pausedUntil;
  }

  private failed(reason: string): void {
    this.failures++;
    if (this.failures < FAILURES_BEFORE_PAUSE) return;
    this.failures = 0;
    this.pausedUntil = performance.now() + CACHE_PAUSE_MS;
    this.log(
      `${SEMANTIC_CACHE_ERRORS.lookupFailed(reason)}; ${SEMANTIC_CACHE_ERRORS.paused(FAILURES_BEFORE_PAUSE, CACHE_PAUSE_MS)}`,
    );
  }

  private log(message: string): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_INTERVAL_MS) return;
    this.lastLog = now;
    this.logger.warn(message);
  }
}
