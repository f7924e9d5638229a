import { z } from 'zod';
import { AnalysisStartCommandSchema, COMMAND_MESSAGE_SCHEMAS } from '@greenlight/contracts';

/**
 * analysis.start as the prober reads it: the contract's command plus the manifest's
 * `strategy.analysis.minSamples`, optional until the contract carries it (without it the
 * prober's ANALYSIS_MIN_SAMPLES applies).
 */
export const AnalysisStartMessageSchema = COMMAND_MESSAGE_SCHEMAS['analysis.start'].extend({
  data: AnalysisStartCommandSchema.extend({
    minSamples: z.number().int().min(0).max(1_000_000).optional(),
  }),
});

export type AnalysisCommand = z.output<typeof AnalysisStartMessageSchema>;
