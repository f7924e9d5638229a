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

/** The bake of the current canary/ramp step; one per deployment, replaced step by step. */
export function bakeTimerId(deploymentId: string): string {
  return `bake:${deploymentId}`;
}

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
  verified: (reasons: string[]) =>
    `green verified${reasons.length ? `: ${reasons.join('; ')}` : ''}`,
  verifyFailed: (reasons: string[]) =>
    `green failed verification: ${reasons.join('; ') || 'no reason given'}`,
  baked: (step: number, weight: number, bakeMs: number) =>
    `step ${step + 1} (${weight} % green) baked ${Math.round(bakeMs / 1000)} s`,
  rolledBack: (version: number) => `blue takes 100 % again (routing version ${version} confirmed)`,
} as const;
