import {
  isTerminal,
  type Deployment,
  type Phase,
  type TrafficWeights,
} from '@greenlight/contracts';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { sendCommand, type OutboxEntry } from '../deployments/outbox.util';
import {
  bakeTimerId,
  LIFECYCLE_REASONS,
  POOL_VERDICT_GRACE_MS,
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
      // The routing change first: it leaves with the phase event, before any bookkeeping.
      return [
        setTraffic(deployment, weights, cause),
        { id: `${cause}.cancel-bake`, kind: 'cancel-timer', timerId: bakeTimerId(deployment.id) },
        { id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId },
      ];
    }
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
    { id: `${cause}.cancel-bake`, kind: 'cancel-timer', timerId: bakeTimerId(deployment.id) },
  ];
  const greenStarted = from !== null && from !== 'Requested';
  if (deployment.phase !== 'Completed' && greenStarted) {
    entries.push(
      sendCommand(
        deployment,
        'pool.stop',
        {
          release: deployment.request.release.version,
          reason: deployment.reason ?? `deployment ${deployment.phase.toLowerCase()}`,
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

/** The split a phase asks the data plane for, or null when it already has it. */
export function targetWeights(deployment: Deployment): TrafficWeights | null {
  const { steps } = deployment.request.strategy;
  switch (deployment.phase) {
    case 'Canary':
    case 'Ramping': {
      const step = steps[deployment.stepIndex ?? 0];
      return step ? { blue: 100 - step.weight, green: step.weight } : null;
    }
    case 'Promoted':
      return deployment.weights.green === 100 && deployment.weights.blue === 0
        ? null
        : { blue: 0, green: 100 };
    case 'RollingBack':
      return { blue: 100, green: 0 };
    default:
      return null;
  }
}

/**
 * One routing change. It always says where both pools are, not only the weights: the table in
 * force may still be the previous deployment's, whose pools are not this one's.
 */
function setTraffic(deployment: Deployment, weights: TrafficWeights, cause: string): OutboxEntry {
  const { blue, green, request } = deployment;
  return sendCommand(
    deployment,
    'traffic.set',
    {
      service: deployment.service,
      weights,
      version: deployment.routingVersion ?? 1,
      ...(green
        ? {
            pools: {
              blue: blue
                ? { release: blue.release.version, endpoints: blue.endpoints.map((e) => e.url) }
                : null,
              green: {
                release: request.release.version,
                endpoints: green.endpoints.map((e) => e.url),
              },
            },
          }
        : {}),
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
