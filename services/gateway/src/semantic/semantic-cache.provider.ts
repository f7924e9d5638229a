import type { FactoryProvider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createSemanticCache, OpenAiEmbedder, type SemanticCache } from '@greenlight/caches';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { REDIS_CLIENT } from '@greenlight/store';
import type { GatewayConfig } from '../config/gateway.config';
import { SEMANTIC_CACHE } from './semantic-cache.constants';

/**
 * The backend GATEWAY_SEMANTIC_BACKEND names, or null with GATEWAY_SEMANTIC_CACHE=off. The Redis
 * backend shares the gateway's client: it fails calls fast while Redis is down, which the
 * lookup timeout turns into misses.
 */
export const semanticCacheProvider: FactoryProvider<SemanticCache | null> = {
  provide: SEMANTIC_CACHE,
  inject: [SERVICE_CONFIG, REDIS_CLIENT],
  useFactory: (config: GatewayConfig, redis: Redis): SemanticCache | null => {
    if (config.GATEWAY_SEMANTIC_CACHE === 'off') return null;
    const { GATEWAY_EMBEDDINGS_URL: baseUrl, GATEWAY_EMBEDDINGS_MODEL: model } = config;
    return createSemanticCache({
      backend: config.GATEWAY_SEMANTIC_BACKEND,
      redis,
      qdrantUrl: config.QDRANT_URL,
      ...(config.GATEWAY_SEMANTIC_THRESHOLD
        ? { threshold: config.GATEWAY_SEMANTIC_THRESHOLD }
        : {}),
      ...(baseUrl && model ? { embedder: new OpenAiEmbedder({ baseUrl, model }) } : {}),
    });
  },
};
