import { z } from 'zod';
import { CacheGenerationSchema, ServiceNameSchema } from '@greenlight/contracts';
import type { CachedAnswer } from './semantic-cache.types';
import { SEMANTIC_CACHE_ERRORS } from './semantic-cache.constants';

/** Service and generation become key segments and collection names: only their narrow alphabets pass. */
export function assertScope(service: string, generation: string): void {
  const checks = [
    ['service', ServiceNameSchema.safeParse(service)],
    ['generation', CacheGenerationSchema.safeParse(generation)],
  ] as const;
  for (const [field, result] of checks) {
    if (!result.success) {
      throw new Error(SEMANTIC_CACHE_ERRORS.badQuery(field, result.error.issues[0]?.message ?? ''));
    }
  }
}

export function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new Error(SEMANTIC_CACHE_ERRORS.badTtl(ttlSeconds));
  }
}

export function assertThreshold(threshold: number): void {
  if (!(threshold > 0 && threshold <= 1)) {
    throw new Error(SEMANTIC_CACHE_ERRORS.badThreshold(threshold));
  }
}

/** What a backend reads back: anything else (a foreign or corrupted entry) is a miss. */
export const CachedAnswerSchema = z.object({
  content: z.string(),
  finishReason: z.string(),
  release: z.string(),
  createdAt: z.string(),
  usage: z
    .object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) })
    .optional(),
}) satisfies z.ZodType<CachedAnswer>;

export function parseAnswer(json: string | null | undefined): CachedAnswer | null {
  if (!json) return null;
  try {
    const result = CachedAnswerSchema.safeParse(JSON.parse(json));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
