import {
  isTerminal,
  type Deployment,
  type Phase,
  type PoolTarget,
  type TrafficWeights,
} from '@greenlight/contracts';

/** The eval-runner's deadline falls this much before the orchestrator's backstop. */
const EVAL_MARGIN_MS = 5_000;
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { sendCommand, type OutboxEntry, type TimerPayload } from '../deployments/outbox.util';
import {
  clockTimerId,
  LIFECYCLE_REASONS,
  POOL_VERDICT_GRACE_MS,
  REPORT_GRACE_MS,
  deadlineTimerId,
} from './lifecycle.constants';

/** Bounds that come from the orchestrator's configuration rather than the release. */
export interface PhaseLimits {
  /** How long Verifying waits for the eval-runner's verdict before failing. */
  verifyTimeoutMs: number;
}

export function phaseLimits(config: Pick<OrchestratorConfig, 'VERIFY_TIMEOUT_MS'>): PhaseLimits {
  return { verifyTimeoutMs: config.VERIFY_TIMEOUT_MS };
}

/**
 * What the orchestrator sets in motion when a deployment enters its current phase: the commands
 * to other services, the timers that bound the phase, the lock's release at the end. Pure, so
 * the whole lifecycle can be read (and tested) in one place.
 *
 * `from` is the phase it left; `now` is epoch ms.
 */
export function phaseEntry(
  deployment: Deployment,
  from: Phase | null,
  now: number,
  limits: PhaseLimits,
): OutboxEntry[] {
  const { request } = deployment;
  const cause = `${deployment.id}-${deployment.seq}`;
  const timerId = deadlineTimerId(deployment.id);
  const readinessMs = request.strategy.readiness.timeout;

  switch (deployment.phase) {
    case 'Provisioning':
      return [
        sendCommand(
          deployment,
          'pool.provision',
          { release: request.release, pool: request.pool },
          cause,
        ),
        scheduleTimer(deployment, timerId, now + readinessMs + POOL_VERDICT_GRACE_MS, {
          deploymentId: deployment.id,
          trigger: 'fail',
          phase: 'Provisioning',
          reason: LIFECYCLE_REASONS.noPoolVerdict('Provisioning', POOL_VERDICT_GRACE_MS / 1000),
        }),
      ];
    case 'WarmingUp': {
      const deadline = now + readinessMs;
      return [
        sendCommand(
          deployment,
          'readiness.probe',
          {
            release: request.release.version,
            servedModel: deployment.service,
            endpoints: deployment.green?.endpoints ?? [],
            warmupRequests: request.strategy.readiness.warmupRequests,
            deadline: new Date(deadline).toISOString(),
          },
          cause,
        ),
        scheduleTimer(deployment, timerId, deadline + POOL_VERDICT_GRACE_MS, {
          deploymentId: deployment.id,
          trigger: 'fail',
          phase: 'WarmingUp',
          reason: LIFECYCLE_REASONS.noPoolVerdict('WarmingUp', POOL_VERDICT_GRACE_MS / 1000),
        }),
      ];
    }
    case 'Verifying':
      return [
        sendCommand(
          deployment,
          'eval.run',
          {
            servedModel: deployment.service,
            green: greenTarget(deployment),
            blue: blueTarget(deployment),
            suite: request.strategy.eval?.suite ?? null,
            minPassRate: request.strategy.eval?.minPassRate ?? 1,
            // The eval-runner answers before the orchestrator's own backstop fires.
            deadline: new Date(
              now + Math.max(limits.verifyTimeoutMs - EVAL_MARGIN_MS, 1_000),
            ).toISOString(),
          },
          cause,
        ),
        scheduleTimer(deployment, timerId, now + limits.verifyTimeoutMs, {
          deploymentId: deployment.id,
          trigger: 'fail',
          phase: 'Verifying',
          reason: LIFECYCLE_REASONS.noEvalVerdict(limits.verifyTimeoutMs),
        }),
      ];
    case 'Canary':
    case 'Ramping':
    case 'Promoted':
    case 'RollingBack': {
      const weights = targetWeights(deployment);
      if (!weights) return [];
      const cancels: OutboxEntry[] = [
        { id: `${cause}.cancel-clock`, kind: 'cancel-timer', timerId: clockTimerId(deployment.id) },
        { id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId },
      ];
      // A step's confirmation schedules its bake on the same clock id: the old clock must be gone
      // before the routing change can be confirmed, or its cancel would delete the new bake.
      if (deployment.phase === 'Canary' || deployment.phase === 'Ramping') {
        return [...cancels, setTraffic(deployment, weights, cause)];
      }
      // Nothing is scheduled on confirmation here: the routing change leaves first (a rollback's
      // latency is what users feel).
      return [setTraffic(deployment, weights, cause), ...cancels];
    }
    case 'Draining': {
      const blue = deployment.blue;
      if (!blue) return [];
      const timeoutMs = request.strategy.drain.timeout;
      return [
        sendCommand(
          deployment,
          'drain.start',
          {
            release: blue.release.version,
            endpoints: blue.endpoints.map((e) => e.url),
            timeoutMs,
          },
          cause,
        ),
        scheduleTimer(deployment, timerId, now + timeoutMs + REPORT_GRACE_MS, {
          deploymentId: deployment.id,
          trigger: 'drain.completed',
          phase: 'Draining',
          reason: LIFECYCLE_REASONS.noDrainReport(REPORT_GRACE_MS),
        }),
      ];
    }
    case 'Standby':
      return [
        { id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId },
        clockTimer(deployment, now + request.strategy.standby, `${cause}.standby`),
      ];
    default:
      break;
  }

  if (isTerminal(deployment.phase)) return ending(deployment, from, cause, timerId);
  return [];
}

/** An ended deployment stops what it started (the green pool, unless it now serves) and frees its service. */
function ending(
  deployment: Deployment,
  from: Phase | null,
  cause: string,
  timerId: string,
): OutboxEntry[] {
  const entries: OutboxEntry[] = [
    { id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId },
    { id: `${cause}.cancel-clock`, kind: 'cancel-timer', timerId: clockTimerId(deployment.id) },
  ];
  const greenStarted = from !== null && from !== 'Requested';
  if (deployment.phase === 'Completed' && deployment.blue) {
    // Green serves everyone and blue's standby is over (or a new deployment replaces it).
    entries.push(
      sendCommand(
        deployment,
        'pool.stop',
        { release: deployment.blue.release.version, reason: deployment.reason ?? 'completed' },
        cause,
      ),
    );
  } else if (deployment.phase !== 'Completed' && greenStarted) {
    // Green that served users (a rollback) finishes its in-flight streams before it stops.
    const served = from === 'RollingBack' ? deployment.green : null;
    entries.push(
      sendCommand(
        deployment,
        'pool.stop',
        {
          release: deployment.request.release.version,
          reason: deployment.reason ?? `deployment ${deployment.phase.toLowerCase()}`,
          ...(served
            ? {
                drain: {
                  endpoints: served.endpoints.map((e) => e.url),
                  timeoutMs: deployment.request.strategy.drain.timeout,
                },
              }
            : {}),
        },
        cause,
      ),
    );
  }
  entries.push({
    id: `${cause}.release-lock`,
    kind: 'release-lock',
    service: deployment.service,
    deploymentId: deployment.id,
    fence: deployment.fence,
  });
  return entries;
}

/**
 * The deployment's clock for the phase it is in: the bake of the current step (its end decides
 * from the analysis), or the standby window. Null in a phase without one.
 */
export function clockTimer(deployment: Deployment, dueAt: number, id: string): OutboxEntry {
  const base = { deploymentId: deployment.id, phase: deployment.phase };
  const payload: TimerPayload =
    deployment.phase === 'Standby'
      ? {
          ...base,
          trigger: 'standby.expired',
          reason: LIFECYCLE_REASONS.standbyOver(deployment.request.strategy.standby),
        }
      : {
          ...base,
          trigger: 'bake.elapsed',
          step: deployment.stepIndex ?? 0,
          reason: 'bake elapsed',
        };
  return { id, kind: 'schedule-timer', timerId: clockTimerId(deployment.id), dueAt, payload };
}

/**
 * Ask the health-prober to judge the current step for `bakeMs` (and its possible extensions):
 * when the step's split is confirmed, and again when a paused step resumes.
 */
export function analysisStart(
  deployment: Deployment,
  bakeMs: number,
  causationId: string,
): OutboxEntry {
  const index = deployment.stepIndex ?? 0;
  const weight = deployment.request.strategy.steps[index]?.weight ?? 0;
  const { analysis } = deployment.request.strategy;
  return sendCommand(
    deployment,
    'analysis.start',
    {
      step: index,
      weight,
      bakeMs,
      maxDurationMs: bakeMs * (analysis.maxBakeExtensions + 1) + analysis.interval,
      intervalMs: analysis.interval,
      metrics: analysis.metrics,
      minSamples: analysis.minSamples,
      green: greenTarget(deployment),
      // At 100 % blue serves nobody: green is judged on its own.
      blue: weight < 100 ? blueTarget(deployment) : null,
    },
    causationId,
    `step${index}`,
  );
}

/** Green as the data plane and the probers see it, with the cache generation it owns. */
export function greenTarget(deployment: Deployment): PoolTarget {
  return {
    release: deployment.request.release.version,
    endpoints: (deployment.green?.endpoints ?? []).map((e) => e.url),
    ...(semanticOn(deployment) && deployment.cachePlan
      ? { generation: deployment.cachePlan.generations.green }
      : {}),
  };
}

export function blueTarget(deployment: Deployment): PoolTarget | null {
  const { blue } = deployment;
  if (!blue) return null;
  return {
    release: blue.release.version,
    endpoints: blue.endpoints.map((e) => e.url),
    ...(semanticOn(deployment) && blue.generation ? { generation: blue.generation } : {}),
  };
}

function semanticOn(deployment: Deployment): boolean {
  return deployment.request.caches.semantic.backend !== 'none';
}

/** Whether WarmingUp waits for the cache-manager once green is ready. */
export function needsCachePrep(deployment: Deployment): boolean {
  const { caches } = deployment.request;
  return caches.prefixWarmup.topPrefixes > 0 || caches.semantic.backend !== 'none';
}

/**
 * Green is ready: ask the cache-manager for the plan and the pre-warm. The phase deadline is
 * replaced by the pre-warm budget; if no report comes by then, Verifying starts with a cold
 * cache and without a semantic generation for green (no plan, so green caches nothing).
 */
export function cachePrepEntries(deployment: Deployment, causationId: string): OutboxEntry[] {
  const { request } = deployment;
  const budgetMs = request.caches.prefixWarmup.budget;
  const waitMs = budgetMs + REPORT_GRACE_MS;
  return [
    sendCommand(
      deployment,
      'cache.prepare',
      {
        release: request.release,
        blueRelease: deployment.blue?.release ?? null,
        blueGeneration: deployment.blue?.generation ?? null,
        caches: request.caches,
        green: greenTarget(deployment),
        replicas: {
          blue: deployment.blue?.endpoints.length ?? null,
          green: deployment.green?.endpoints.length ?? 1,
        },
        budgetMs,
      },
      causationId,
    ),
    {
      id: `${deployment.id}-${deployment.seq}.cache-deadline`,
      kind: 'schedule-timer',
      timerId: deadlineTimerId(deployment.id),
      dueAt: Date.now() + waitMs,
      payload: {
        deploymentId: deployment.id,
        trigger: 'pool.ready',
        phase: 'WarmingUp',
        reason: LIFECYCLE_REASONS.cacheTimeout(waitMs),
      },
    },
  ];
}

/** Canary starts at the first step; each ramp moves one step on; other phases keep it. */
export function stepOnEntry(current: Deployment, to: Phase): number | null {
  if (to === 'Canary') return 0;
  if (to === 'Ramping') return (current.stepIndex ?? -1) + 1;
  return current.stepIndex;
}

/**
 * The routing change of the phase the deployment is in, sent again under its current (new)
 * routing version: after the data plane refused the previous one as stale.
 */
export function resendTraffic(deployment: Deployment): OutboxEntry[] {
  const weights = targetWeights(deployment);
  return weights ? [setTraffic(deployment, weights, `${deployment.id}-${deployment.seq}`)] : [];
}

/** Entering this phase changes the split, so it needs a new routing version. */
export function needsRouting(entering: Deployment): boolean {
  return targetWeights(entering) !== null;
}

/** The split a deployment's phase asks the data plane for (null: the phase has none of its own). */
export function askedWeights(deployment: Deployment): TrafficWeights | null {
  switch (deployment.phase) {
    case 'Canary':
    case 'Ramping': {
      const step = deployment.request.strategy.steps[deployment.stepIndex ?? 0];
      return step ? { blue: 100 - step.weight, green: step.weight } : null;
    }
    case 'Promoted':
      return { blue: 0, green: 100 };
    case 'RollingBack':
      return { blue: 100, green: 0 };
    default:
      return null;
  }
}

/** The split a phase asks the data plane for, or null when it already has it. */
export function targetWeights(deployment: Deployment): TrafficWeights | null {
  // A first deployment is at 100 % already when it is promoted.
  if (deployment.phase === 'Promoted' && deployment.weights.green === 100) return null;
  return askedWeights(deployment);
}

/**
 * One routing change. It always says where both pools are, not only the weights: the table in
 * force may still be the previous deployment's, whose pools are not this one's.
 */
function setTraffic(deployment: Deployment, weights: TrafficWeights, cause: string): OutboxEntry {
  const { green, request } = deployment;
  return sendCommand(
    deployment,
    'traffic.set',
    {
      service: deployment.service,
      weights,
      version: deployment.routingVersion ?? 1,
      ...(green ? { pools: { blue: blueTarget(deployment), green: greenTarget(deployment) } } : {}),
      affinity: request.strategy.affinity,
    },
    cause,
    `v${deployment.routingVersion ?? 1}`,
  );
}

function scheduleTimer(
  deployment: Pick<Deployment, 'id' | 'seq'>,
  timerId: string,
  dueAt: number,
  payload: Extract<OutboxEntry, { kind: 'schedule-timer' }>['payload'],
): OutboxEntry {
  return {
    id: `${deployment.id}-${deployment.seq}.timer`,
    kind: 'schedule-timer',
    timerId,
    dueAt,
    payload,
  };
}
