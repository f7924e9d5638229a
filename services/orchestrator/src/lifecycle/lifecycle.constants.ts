import { formatDuration } from '@greenlight/contracts';

/**
 * The orchestrator's own backstop for a pool that never answers (its host or the prober is
 * down): the prober's deadline plus this much, then the deployment fails.
 */
export const POOL_VERDICT_GRACE_MS = 30_000;

/** CAS retries when another writer (a timer, an operator, a second replica) changed the record. */
export const MAX_WRITE_ATTEMPTS = 8;

/** The deadline of the phase waiting on another service (the pool, readiness, the verdict). */
export function deadlineTimerId(deploymentId: string): string {
  return `deadline:${deploymentId}`;
}

/**
 * The deployment's clock: the bake of the current canary/ramp step, or the standby window. One
 * per deployment, replaced step by step; pausing cancels it, resuming schedules what was left.
 */
export function clockTimerId(deploymentId: string): string {
  return `clock:${deploymentId}`;
}

/**
 * How much older than two analysis intervals the latest passing verdict may be when a bake ends
 * (the prober's looks and the bake timer are not in step, and both may run late under load).
 */
export const VERDICT_FRESH_SLACK_MS = 3_000;

/** The orchestrator's own backstop when a service that owes it a report is down. */
export const REPORT_GRACE_MS = 30_000;

export const LIFECYCLE_REASONS = {
  provisioning: 'starting the green pool',
  provisioned: (replicas: number) =>
    `${replicas} green replica${replicas === 1 ? '' : 's'} started; waiting for readiness`,
  ready: (replicas: number) =>
    `every green replica is ready (${replicas}); verifying before any user traffic`,
  poolFailed: (stage: string, reason: string) => `green pool failed (${stage}): ${reason}`,
  noEvalVerdict: (timeoutMs: number) =>
    `no verdict from the eval-runner within ${formatDuration(timeoutMs)} (is it down?); green never took user traffic`,
  noPoolVerdict: (phase: string, seconds: number) =>
    `no answer about the green pool ${seconds} s past its deadline while ${phase} (is the drainer or the health-prober down?)`,
  verified: (reasons: string[], scores: { green: number; blue: number | null }) =>
    `green verified: pass rate ${scores.green.toFixed(2)}${scores.blue === null ? '' : ` (blue ${scores.blue.toFixed(2)})`}${reasons.length ? `; ${reasons.join('; ')}` : ''}`,
  verifyFailed: (reasons: string[]) =>
    `green failed verification: ${reasons.join('; ') || 'no reason given'}`,
  baked: (step: number, weight: number, bakeMs: number) =>
    `step ${step + 1} (${weight} % green) baked ${Math.round(bakeMs / 1000)} s`,
  analysisPassed: (step: number, weight: number, reasons: string[]) =>
    `step ${step + 1} (${weight} % green) passed analysis${reasons.length ? `: ${reasons.join('; ')}` : ''}`,
  analysisFailed: (step: number, reasons: string[]) =>
    `canary analysis failed at step ${step + 1}: ${reasons.join('; ') || 'no reason given'}`,
  inconclusive: (step: number, extensions: number, reasons: string[]) =>
    `step ${step + 1} still inconclusive after ${extensions} bake extension${extensions === 1 ? '' : 's'}${reasons.length ? ` (${reasons.join('; ')})` : ''}; a canary never passes by default`,
  staleVerdict: (step: number, at: string) =>
    `step ${step + 1}: the last passing verdict (${at}) is too old to end the bake on; extending it`,
  bakeExtended: (step: number, extension: number, max: number) =>
    `step ${step + 1}: analysis inconclusive, bake extended (${extension}/${max})`,
  greenCrashed: (stage: string, reason: string) =>
    `a green replica failed while serving users (${stage}): ${reason}`,
  cacheTimeout: (ms: number) =>
    `no cache.prewarmed within ${formatDuration(ms)} (is the cache-manager down?); green starts with a cold prefix cache`,
  prewarmed: (prefixes: number, replicas: number, seconds: number) =>
    prefixes === 0
      ? 'every green replica is ready (no hot prefixes recorded yet: nothing to pre-warm); verifying before any user traffic'
      : `every green replica is ready and pre-warmed (${prefixes} prefixes on ${replicas} replicas in ${seconds.toFixed(1)} s); verifying before any user traffic`,
  promoted: 'green takes 100 % (confirmed by the data plane)',
  drained: (inFlight: number, timedOut: boolean, elapsedMs: number) =>
    timedOut
      ? `drain timed out after ${formatDuration(elapsedMs)} with ${inFlight} request(s) still on blue; blue stays warm in standby`
      : `blue has nothing in flight (drained in ${(elapsedMs / 1000).toFixed(1)} s); blue stays warm in standby`,
  noDrainReport: (ms: number) =>
    `no drain report ${formatDuration(ms)} past the drain timeout (is the drainer down?); blue stays warm in standby`,
  standbyOver: (ms: number) => `standby window of ${formatDuration(ms)} is over; retiring blue`,
  retired: (by: string) => `a new deployment (${by}) replaces this one; retiring its standby pool`,
  rolledBack: (version: number) => `blue takes 100 % again (routing version ${version} confirmed)`,
} as const;

/**
 * Events each orchestrator consumer handles at once. Every handler re-reads its deployment and
 * writes under compare-and-set, so events of many deployments need not queue behind one another
 * (with hundreds deploying at once, one at a time made a phase change wait seconds).
 */
export const EVENT_CONCURRENCY = 8;
