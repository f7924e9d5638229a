import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisHotPrefixStore } from '@greenlight/caches';
import { REDIS_CLIENT } from '@greenlight/store';
import { PlansModule } from '../plans/plans.module';
import { HOT_PREFIX_READER } from './prepare.constants';
import { PrepareHandler } from './prepare.handler';
import { PrepareService } from './prepare.service';
import { PrewarmCancellationService } from './prewarm-cancellation.service';

/** cache.prepare: the cache plan of a deploy and the prefix-cache pre-warm of green. */
@Module({
  imports: [PlansModule],
  controllers: [PrepareHandler],
  providers: [
    PrepareService,
    PrewarmCancellationService,
    {
      provide: HOT_PREFIX_READER,
      inject: [REDIS_CLIENT],
      useFactory: (redis: Redis) => new RedisHotPrefixStore(redis),
    },
  ],
})
export class PrepareModule implements OnApplicationShutdown {
  constructor(@Inject(HOT_PREFIX_READER) private readonly hotPrefixes: RedisHotPrefixStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.hotPrefixes.close();
  }
}
