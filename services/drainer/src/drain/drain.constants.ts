/** Who the drainer's drain events name as their actor. */
export const DRAIN_ACTOR = 'system:drainer';

/** A drain lasts up to its timeout (minutes): one deployment's drain must not hold up another's. */
export const DRAIN_CONCURRENCY = 64;

/** At most one drain.progress per second, so a busy pool does not flood the audit log. */
export const PROGRESS_MIN_INTERVAL_MS = 1_000;

/** Where vLLM (and the simulator) serve Prometheus metrics, and what counts as in flight there. */
export const METRICS_PATH = '/metrics';
export const IN_FLIGHT_METRICS = [
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
] as const;

/** A /metrics answer larger than this is not vLLM's: refuse to buffer it. */
export const MAX_METRICS_BYTES = 4 * 1024 * 1024;

/** A scrape never waits less than this, even past the deadline: the last word needs a measurement. */
export const MIN_SCRAPE_TIMEOUT_MS = 100;

/** Why a drain stopped without an answer. */
export const DRAIN_ABORT_REASONS = {
  leftDraining: 'the deployment left Draining',
  shutdown: 'drainer is shutting down',
} as const;

/** Why a replica or the gateways could not say how much is in flight (logged, never zero). */
export const DRAIN_UNKNOWN_REASONS = {
  timeout: (seconds: string) => `${METRICS_PATH} did not answer within ${seconds} s`,
  network: (detail: string) => `network error: ${detail}`,
  status: (status: number) => `${METRICS_PATH} answered ${status}`,
  noInFlightMetrics: `${METRICS_PATH} has neither ${IN_FLIGHT_METRICS.join(' nor ')}`,
  notANumber: (metric: string) => `${metric} is not a number`,
  gatewayNotHeard: (instances: number) =>
    `${instances} gateway instance(s) not heard from since the drain began`,
  gatewayDiscovering: 'still discovering gateway instances',
} as const;
