/**
 * Defaults of the judge's settings (each one a config variable, see health-prober.config.ts),
 * tuned with `npm run bench -- judge` (1 % canary at 100 req/s, looks every 30 s).
 */
export const ANALYSIS_DEFAULTS = {
  /** Green requests needed before a pass (when analysis.start does not say). */
  minSamples: 50,
  /** Chance that a healthy canary gets a `fail` at any look of one step. */
  falseFailRate: 0.005,
  /** errorRate is materially worse at +0.5 percentage point and ×1.5 of blue's. */
  errorMarginAbs: 0.005,
  errorMarginRatio: 1.5,
  /** A p95 20 % above blue's is materially worse. */
  latencyMargin: 0.2,
  /** Materially worse at this p-value but not failing yet: inconclusive (extends the bake). */
  suggestivePValue: 0.01,
  /** Hard failure: green errors ≥ 20 % over ≥ 20 requests (and materially above blue's). */
  hardErrorRate: 0.2,
  hardMinRequests: 20,
  /** Consecutive failed health checks of a green replica that fail the step. */
  replicaDownLooks: 2,
  healthTimeoutMs: 2_000,
  /** Limits without blue to compare with (a first deployment should not get here). */
  absolute: { errorRate: 0.05, ttftP95Ms: 2_000, itlP95Ms: 200, e2eP95Ms: 250 },
} as const;
