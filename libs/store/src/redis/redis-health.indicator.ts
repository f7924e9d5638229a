import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import {
  REDIS_CLIENT,
  REDIS_HEALTH_KEY,
  REDIS_HEALTH_TIMEOUT_MS,
  STORE_ERRORS,
} from '../store.constants';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly healthIndicatorService: HealthIndicatorService,
  ) {}

  /** PING with a short timeout; a client that is not connected is down without waiting. */
  async isHealthy<const Key extends string = typeof REDIS_HEALTH_KEY>(
    key: Key = REDIS_HEALTH_KEY as Key,
    timeoutMs = REDIS_HEALTH_TIMEOUT_MS,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.healthIndicatorService.check(key);
    if (this.redis.status !== 'ready') {
      return indicator.down({ message: STORE_ERRORS.redisNotReady(this.redis.status) });
    }
    try {
      await pingWithin(this.redis, timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}

function pingWithin(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(STORE_ERRORS.redisPingTimeout(timeoutMs))),
      timeoutMs,
    );
    redis.ping().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
