import type { HealthProberConfig } from '../config/health-prober.config';
import type { JudgeSettings } from '@greenlight/analysis';

/** The judge's settings that come from config; the command adds the planned looks (and minSamples). */
export interface AnalysisSettings {
  judge: Omit<JudgeSettings, 'plannedLooks' | 'minSamples'>;
  /** Used when analysis.start carries no minSamples. */
  defaultMinSamples: number;
  replicaDownLooks: number;
  healthTimeoutMs: number;
}

export function analysisSettings(config: HealthProberConfig): AnalysisSettings {
  return {
    judge: {
      falseFailRate: config.ANALYSIS_FALSE_FAIL_RATE,
      errorMarginAbs: config.ANALYSIS_ERROR_MARGIN_ABS,
      errorMarginRatio: config.ANALYSIS_ERROR_MARGIN_RATIO,
      latencyMargin: config.ANALYSIS_LATENCY_MARGIN,
      suggestivePValue: config.ANALYSIS_SUGGESTIVE_P,
      hardErrorRate: config.ANALYSIS_HARD_ERROR_RATE,
      hardMinRequests: config.ANALYSIS_HARD_MIN_REQUESTS,
      absolute: {
        errorRate: config.ANALYSIS_MAX_ERROR_RATE,
        ttftP95Ms: config.ANALYSIS_MAX_TTFT_P95_MS,
        itlP95Ms: config.ANALYSIS_MAX_ITL_P95_MS,
        e2eP95Ms: config.ANALYSIS_MAX_E2E_P95_MS,
      },
    },
    defaultMinSamples: config.ANALYSIS_MIN_SAMPLES,
    replicaDownLooks: config.ANALYSIS_REPLICA_DOWN_LOOKS,
    healthTimeoutMs: config.ANALYSIS_HEALTH_TIMEOUT_MS,
  };
}
