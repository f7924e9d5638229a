import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { DeploymentRepository } from './deployment/deployment.repository';
import { ServiceLock } from './lock/service-lock.service';
import { createRedisClient } from './redis/redis-client.util';
import { RedisHealthIndicator } from './redis/redis-health.indicator';
import { REDIS_CLIENT } from './store.constants';
import { TimerStore } from './timers/timer-store.service';
import { PoolRepository } from './pools/pool.repository';

export interface StoreModuleOptions {
  url: string;
  /** Shows up in CLIENT LIST, so an operator sees which service holds which connection. */
  connectionName: string;
  /** Sentinels as `host:port,host:port`: the client follows the primary they name. */
  sentinels?: string;
  sentinelName?: string;
}

const QUIT_TIMEOUT_MS = 1_000;

@Global()
@Module({})
export class StoreModule implements OnApplicationShutdown {
  private readonly logger = new Logger(StoreModule.name);

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  static forRoot(options: StoreModuleOptions): DynamicModule {
    const providers = [
      {
        provide: REDIS_CLIENT,
        useFactory: (): Redis => createRedisClient(options.url, options.connectionName, options),
      },
      DeploymentRepository,
      ServiceLock,
      TimerStore,
      PoolRepository,
      RedisHealthIndicator,
    ];
    return {
      module: StoreModule,
      global: true,
      imports: [TerminusModule],
      providers,
      exports: providers,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    // QUIT lets queued replies arrive; while Redis is unreachable it fails or waits, so cap it
    // and then make sure the reconnect loop stops.
    const quit = this.redis.quit().then(
      () => true,
      () => false,
    );
    const acknowledged = await Promise.race([
      quit,
      new Promise<boolean>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS, false).unref()),
    ]);
    if (!acknowledged) this.logger.warn('redis did not acknowledge QUIT; disconnecting');
    this.redis.disconnect();
  }
}
