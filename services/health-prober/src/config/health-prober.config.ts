import { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';
import { ANALYSIS_DEFAULTS } from '@greenlight/analysis';

const fraction = (fallback: number) => z.coerce.number().gt(0).max(1).default(fallback);
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const millis = (fallback: number) => z.coerce.number().positive().max(3_600_000).default(fallback);

const { absolute } = ANALYSIS_DEFAULTS;

export const HealthProberConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['health-prober']),
  // Canary analysis (analysis/judge.util.ts); defaults tuned by `npm run bench -- judge`.
  /** Green requests a step needs before it can pass, when analysis.start does not say. */
  ANALYSIS_MIN_SAMPLES: count(1, 1_000_000, ANALYSIS_DEFAULTS.minSamples),
  /** Chance that a healthy canary gets a `fail` at any look of one step. */
  ANALYSIS_FALSE_FAIL_RATE: z.coerce
    .number()
    .gt(0)
    .max(0.2)
    .default(ANALYSIS_DEFAULTS.falseFailRate),
  /** Green's error rate is materially worse only when this much (absolute) above blue's, and ANALYSIS_ERROR_MARGIN_RATIO times it. */
  ANALYSIS_ERROR_MARGIN_ABS: fraction(ANALYSIS_DEFAULTS.errorMarginAbs),
  /** Green's error rate is materially worse only at this factor of blue's, and ANALYSIS_ERROR_MARGIN_ABS above it. */
  ANALYSIS_ERROR_MARGIN_RATIO: z.coerce
    .number()
    .min(1)
    .max(100)
    .default(ANALYSIS_DEFAULTS.errorMarginRatio),
  /** A green p95 latency this fraction above blue's is materially worse. */
  ANALYSIS_LATENCY_MARGIN: z.coerce
    .number()
    .min(0)
    .max(10)
    .default(ANALYSIS_DEFAULTS.latencyMargin),
  /** Materially worse with a p-value at or below this, but not a fail yet: inconclusive (the bake extends). */
  ANALYSIS_SUGGESTIVE_P: fraction(ANALYSIS_DEFAULTS.suggestivePValue),
  /** Hard failure (no test needed): green's error rate at least this, over ANALYSIS_HARD_MIN_REQUESTS requests, and materially above blue's. */
  ANALYSIS_HARD_ERROR_RATE: fraction(ANALYSIS_DEFAULTS.hardErrorRate),
  /** Green requests a hard failure (ANALYSIS_HARD_ERROR_RATE) needs at least. */
  ANALYSIS_HARD_MIN_REQUESTS: count(1, 1_000_000, ANALYSIS_DEFAULTS.hardMinRequests),
  /** Consecutive failed health checks of a green replica that fail the step. */
  ANALYSIS_REPLICA_DOWN_LOOKS: count(1, 100, ANALYSIS_DEFAULTS.replicaDownLooks),
  /** Timeout of one health check of a green replica during analysis. */
  ANALYSIS_HEALTH_TIMEOUT_MS: millis(ANALYSIS_DEFAULTS.healthTimeoutMs),
  /** Limits green is held to when there is no blue to compare with. */
  ANALYSIS_MAX_ERROR_RATE: fraction(absolute.errorRate),
  /** Without blue: the p95 time to first token green must stay under. */
  ANALYSIS_MAX_TTFT_P95_MS: millis(absolute.ttftP95Ms),
  /** Without blue: the p95 inter-token latency green must stay under. */
  ANALYSIS_MAX_ITL_P95_MS: millis(absolute.itlP95Ms),
  /** Without blue: the p95 request latency green must stay under. */
  ANALYSIS_MAX_E2E_P95_MS: millis(absolute.e2eP95Ms),
});

export type HealthProberConfig = z.output<typeof HealthProberConfigSchema>;
