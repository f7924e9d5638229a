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
  ANALYSIS_ERROR_MARGIN_ABS: fraction(ANALYSIS_DEFAULTS.errorMarginAbs),
  ANALYSIS_ERROR_MARGIN_RATIO: z.coerce
    .number()
    .min(1)
    .max(100)
    .default(ANALYSIS_DEFAULTS.errorMarginRatio),
  ANALYSIS_LATENCY_MARGIN: z.coerce
    .number()
    .min(0)
    .max(10)
    .default(ANALYSIS_DEFAULTS.latencyMargin),
  ANALYSIS_SUGGESTIVE_P: fraction(ANALYSIS_DEFAULTS.suggestivePValue),
  ANALYSIS_HARD_ERROR_RATE: fraction(ANALYSIS_DEFAULTS.hardErrorRate),
  ANALYSIS_HARD_MIN_REQUESTS: count(1, 1_000_000, ANALYSIS_DEFAULTS.hardMinRequests),
  ANALYSIS_REPLICA_DOWN_LOOKS: count(1, 100, ANALYSIS_DEFAULTS.replicaDownLooks),
  ANALYSIS_HEALTH_TIMEOUT_MS: millis(ANALYSIS_DEFAULTS.healthTimeoutMs),
  /** Limits green is held to when there is no blue to compare with. */
  ANALYSIS_MAX_ERROR_RATE: fraction(absolute.errorRate),
  ANALYSIS_MAX_TTFT_P95_MS: millis(absolute.ttftP95Ms),
  ANALYSIS_MAX_ITL_P95_MS: millis(absolute.itlP95Ms),
  ANALYSIS_MAX_E2E_P95_MS: millis(absolute.e2eP95Ms),
});

export type HealthProberConfig = z.output<typeof HealthProberConfigSchema>;
