import { z } from 'zod';

export const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Green's score next to blue's (null on a first deployment). */
export const ComparedValueSchema = z.object({ green: z.number(), blue: z.number().nullable() });

export const EvalCompletedDataSchema = z.object({
  passed: z.boolean(),
  scores: ComparedValueSchema,
  pValue: z.number().min(0).max(1).nullable(),
  reasons: z.array(z.string()),
});

export const AnalysisCompletedDataSchema = z.object({
  step: z.number().int().min(0),
  verdict: z.enum(VERDICTS),
  metrics: z.record(z.string(), ComparedValueSchema),
  reasons: z.array(z.string()),
});
