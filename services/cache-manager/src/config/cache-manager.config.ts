import { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const CACHE_MANAGER_CONFIG_ERRORS = {
  qdrantUrlMissing: 'QDRANT_URL is required when SEMANTIC_CACHE_BACKEND is qdrant',
} as const;

export const CacheManagerConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['cache-manager']),
  /** Where semantic-cache generations live; the gateway must use the same backend. */
  SEMANTIC_CACHE_BACKEND: z.enum(['redis', 'qdrant']).default('redis'),
  /** Qdrant server of the semantic cache (when its backend is `qdrant`). */
  QDRANT_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** API key sent to Qdrant. */
  QDRANT_API_KEY: z.string().min(1).optional(),
  /** Pre-warm completions in flight at once, over all green replicas of one deployment. */
  PREWARM_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
}).superRefine((config, ctx) => {
  if (config.SEMANTIC_CACHE_BACKEND === 'qdrant' && !config.QDRANT_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['QDRANT_URL'],
      message: CACHE_MANAGER_CONFIG_ERRORS.qdrantUrlMissing,
    });
  }
});

export type CacheManagerConfig = z.output<typeof CacheManagerConfigSchema>;
