import { z } from 'zod';
import { SEMANTIC_CACHE_MODES } from '../manifest/deploy-request.schema';

/** The prefix cache is always cold in a new process; the semantic cache may survive. */
export const CachePlanDataSchema = z.object({
  prefix: z.literal('prewarm'),
  semantic: z.enum(SEMANTIC_CACHE_MODES),
  reasons: z.array(z.string()),
});

export const CachePrewarmedDataSchema = z.object({
  prefixes: z.number().int().min(0),
  tokens: z.number().int().min(0),
  seconds: z.number().min(0),
});
