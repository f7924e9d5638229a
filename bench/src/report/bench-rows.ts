import { row, type BenchRow } from './bench-result';

type Rows = (r: Record<string, number>) => BenchRow[];
const n = (r: Record<string, number>, key: string): number => r[key] ?? Number.NaN;

/** No failed request is the bar for every bench that sends traffic. */
const NONE_FAILED = { op: '<=', limit: 0, on: 'value', source: 'issue' } as const;

/**
 * Each bench's flat record as report rows. Targets marked `proposed` were not given by an issue:
 * they are the bar this report holds the figure to until one is.
 */
export const BENCH_ROWS: Record<string, Rows> = {
  gateway: (r) => [
    row('throughput through the gateway', n(r, 'gateway_rps'), 'req/s', {
      baseline: { what: 'HAProxy, same simulator', value: n(r, 'haproxy_rps') },
      target: { op: '>=', limit: 0.8, on: 'ratio', source: 'proposed' },
    }),
    row('latency the gateway adds, p99 at 500 req/s', n(r, 'gateway_added_p99_ms'), 'ms', {
      baseline: { what: 'direct p99', value: n(r, 'direct_p99_ms') },
      target: { op: '<=', limit: 5, on: 'value', source: 'proposed' },
    }),
    row('failed requests', n(r, 'failed_requests'), '', { target: NONE_FAILED }),
  ],
  judge: (r) => [
    row('power, error rate 1 % → 5 %', n(r, 'power_error'), '', {
      baseline: { what: 'fixed-threshold judge', value: n(r, 'naive_power_error') },
      target: { op: '>=', limit: 0.95, on: 'value', source: 'issue' },
    }),
    row('power, TTFT +50 %', n(r, 'power_ttft'), '', {
      baseline: { what: 'fixed-threshold judge', value: n(r, 'naive_power_ttft') },
      target: { op: '>=', limit: 0.95, on: 'value', source: 'issue' },
    }),
    row('false rollback, healthy canary', n(r, 'false_rollback'), '', {
      baseline: { what: 'fixed-threshold judge', value: n(r, 'naive_false_rollback') },
      target: { op: '<=', limit: 0.01, on: 'value', source: 'issue' },
    }),
    row('median decision on a regression', n(r, 'median_decision_s'), 's'),
  ],
  rollback: (r) => [
    row('rollback seen by clients, p99', n(r, 'p99_ms'), 'ms', {
      baseline: { what: 'the REST call itself, p99', value: n(r, 'rest_p99_ms') },
      target: { op: '<=', limit: 1000, on: 'value', source: 'proposed' },
    }),
    row('rollback seen by clients, p50', n(r, 'p50_ms'), 'ms'),
    row('failed requests', n(r, 'failed_requests'), '', { target: NONE_FAILED }),
  ],
  prewarm: (r) => [
    row('TTFT p95 after a flip to a pre-warmed green', n(r, 'prewarmed_ratio'), '× steady', {
      baseline: { what: 'steady-state p95 on blue', value: 1 },
      ratio: n(r, 'prewarmed_ratio'),
      target: { op: '<=', limit: 1.1, on: 'ratio', source: 'issue' },
    }),
    row('TTFT p95 after a flip to a cold green', n(r, 'cold_ratio'), '× steady', {
      baseline: { what: 'steady-state p95 on blue', value: 1 },
      ratio: n(r, 'cold_ratio'),
    }),
  ],
  semantic: (r) => [
    // The gateway gives up on a lookup after GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS (20 ms by default).
    row('semantic-cache lookup p99 (10k entries)', n(r, 'lookup_p99_ms'), 'ms', {
      baseline: { what: 'plain Redis GET p99', value: n(r, 'get_p99_ms') },
      ratio: n(r, 'ratio'),
      target: { op: '<=', limit: 20, on: 'value', source: 'proposed' },
    }),
  ],
  overhead: (r) => [
    row("greenlight's own overhead per rollout (median)", n(r, 'overhead_ms'), 'ms', {
      baseline: {
        what: "waits the manifest configures + the model server's own boot, measured alone",
        value: n(r, 'configured_waits_ms') + n(r, 'sim_boot_ms'),
      },
      target: { op: '<=', limit: 1000, on: 'value', source: 'issue' },
    }),
    row('rollout wall time, request → Completed', n(r, 'wall_ms'), 'ms', {
      baseline: { what: 'waits the manifest configures', value: n(r, 'configured_waits_ms') },
    }),
    row('event → phase change, p50', n(r, 'event_latency_p50_ms'), 'ms'),
    row('bake/standby clock fired late by, p50', n(r, 'timer_lateness_p50_ms'), 'ms'),
  ],
  scale: (r) => [
    row('deployments Completed, all at once', n(r, 'completed'), '', {
      baseline: { what: 'deployments sent', value: n(r, 'services') },
      target: { op: '>=', limit: 1, on: 'ratio', source: 'issue' },
    }),
    row('orchestrator RSS per active deployment', n(r, 'orchestrator_kb_per_deployment'), 'KiB'),
    row('event handler time p99 (bucket bound)', n(r, 'event_handle_p99_ms'), 'ms'),
    row('event → phase change p99', n(r, 'event_to_phase_p99_ms'), 'ms'),
  ],
};
