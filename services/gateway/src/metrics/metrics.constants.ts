/** Upper bounds in seconds; a stream's tokens arrive every few ms from a simulator, ~10-50 ms from vLLM. */
export const TTFT_BUCKETS = [
  0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 5,
  7.5, 10, 20, 40, 80,
] as const;

export const ITL_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2,
  0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10,
] as const;

export const E2E_PER_TOKEN_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2,
  0.3, 0.5, 1, 2.5, 5, 10,
] as const;

/** Why a stream ended without `data: [DONE]`. */
export type AbortReason = 'upstream' | 'client';

export const GATEWAY_METRIC_PREFIX = 'greenlight_gateway_';
