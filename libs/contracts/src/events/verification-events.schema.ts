import { z } from 'zod';

export const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Green's score next to blue's (null on a first deployment). */
export const ComparedValueSchema = z.object({ green: z.number(), blue: z.number().nullable() });

/** One case run on one pool. */
export const CaseOutcomeSchema = z.object({
  passed: z.boolean(),
  latencyMs: z.number().min(0),
  /** Why it failed, in plain words (the assertion, the error). */
  detail: z.string().max(500).optional(),
});

export const EVAL_CASE_KINDS = ['smoke', 'eval'] as const;

/** The eval-runner's report, case by case on both pools. */
export const EvalReportSchema = z.object({
  suite: z.string().nullable(),
  cases: z
    .array(
      z.object({
        id: z.string().max(200),
        kind: z.enum(EVAL_CASE_KINDS),
        green: CaseOutcomeSchema,
        blue: CaseOutcomeSchema.nullable(),
      }),
    )
    .max(2_000),
  /** Discordant pairs of the paired test: green failed where blue passed, and the reverse. */
  discordant: z.object({
    greenWorse: z.number().int().min(0),
    greenBetter: z.number().int().min(0),
  }),
  test: z.string(),
  seconds: z.number().min(0),
});
export type EvalReport = z.output<typeof EvalReportSchema>;

export const EvalCompletedDataSchema = z.object({
  passed: z.boolean(),
  scores: ComparedValueSchema,
  pValue: z.number().min(0).max(1).nullable(),
  reasons: z.array(z.string()),
  report: EvalReportSchema.optional(),
});

/**
 * The health-prober's judgement of green against blue for one canary/ramp step, on everything
 * seen since the step began. `fail` acts at once (RollingBack); the bake's end takes the latest
 * verdict: pass moves on, inconclusive extends the bake, never a pass by default.
 */
export const AnalysisCompletedDataSchema = z.object({
  step: z.number().int().min(0),
  verdict: z.enum(VERDICTS),
  metrics: z.record(z.string(), ComparedValueSchema),
  /** Requests each pool served in the window the verdict used. */
  samples: z.object({ green: z.number().int().min(0), blue: z.number().int().min(0) }),
  elapsedMs: z.number().int().min(0),
  reasons: z.array(z.string()),
});
