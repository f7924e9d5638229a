import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createSemanticCache, type SemanticCache } from '@greenlight/caches';
import { REDIS_CLIENT } from '@greenlight/store';
import type { CacheManagerConfig } from '../config/cache-manager.config';
import { CACHE_MANAGER_CONFIG } from '../config/cache-manager.constants';
import { SEMANTIC_GENERATION_ADMIN } from './semantic.constants';

/**
 * The semantic-cache backend the generations live in (Redis by default, Qdrant), and the config
 * it was chosen by; global, so every feature module of the service sees both.
 */
@Module({})
export class SemanticModule implements OnApplicationShutdown {
  constructor(@Inject(SEMANTIC_GENERATION_ADMIN) private readonly cache: SemanticCache) {}

  static register(config: CacheManagerConfig): DynamicModule {
    return {
      module: SemanticModule,
      global: true,
      providers: [
        { provide: CACHE_MANAGER_CONFIG, useValue: config },
        {
          provide: SEMANTIC_GENERATION_ADMIN,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis): SemanticCache =>
            createSemanticCache({
              backend: config.SEMANTIC_CACHE_BACKEND,
              redis,
              ...(config.QDRANT_URL ? { qdrantUrl: config.QDRANT_URL } : {}),
              ...(config.QDRANT_API_KEY ? { qdrantApiKey: config.QDRANT_API_KEY } : {}),
            }),
        },
      ],
      exports: [SEMANTIC_GENERATION_ADMIN, CACHE_MANAGER_CONFIG],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
  }
}
