import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  RedisHotPrefixStore,
  type HotPrefixRecorder,
  type PrefixMessage,
} from '@greenlight/caches';
import { REDIS_CLIENT } from '@greenlight/store';

/**
 * Counts chat prompt prefixes for the cache-manager's pre-warm: in memory on the request path,
 * written to Redis about once a second by the store's own timer.
 */
@Injectable()
export class HotPrefixRecorderService implements HotPrefixRecorder, BeforeApplicationShutdown {
  private readonly store: RedisHotPrefixStore;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    this.store = new RedisHotPrefixStore(redis);
  }

  record(service: string, messages: readonly PrefixMessage[]): void {
    this.store.record(service, messages);
  }

  /** Before Redis is closed: the last second's counts are written, not lost. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
