import { z } from 'zod';
import {
  CacheGenerationSchema,
  SEMANTIC_BACKENDS,
  SEMANTIC_CACHE_MODES,
} from '../manifest/deploy-request.schema';

export const PREFIX_CACHE_ACTIONS = ['prewarm', 'skip'] as const;

/**
 * What happens to each cache across this deploy. The prefix cache is always cold in a new
 * process (pre-warm it, unless topPrefixes is 0); the semantic cache survives the deploy, so
 * green either shares blue's generation or starts its own.
 */
export const CachePlanDataSchema = z.object({
  prefix: z.enum(PREFIX_CACHE_ACTIONS),
  semantic: z.enum(SEMANTIC_CACHE_MODES),
  backend: z.enum(SEMANTIC_BACKENDS),
  generations: z.object({
    blue: CacheGenerationSchema.nullable(),
    green: CacheGenerationSchema,
  }),
  /** One line per release field that decided it (or the manifest's override). */
  reasons: z.array(z.string()),
});

export const CachePrewarmedDataSchema = z.object({
  prefixes: z.number().int().min(0),
  tokens: z.number().int().min(0),
  seconds: z.number().min(0),
  replicas: z.number().int().min(0),
  /** Prompt tokens the replicas answered from cache when checked after the replay. */
  cachedTokens: z.number().int().min(0),
});
