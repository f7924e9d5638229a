import { isTerminal, type Deployment, type Phase } from '@greenlight/contracts';
import { sendCommand, type OutboxEntry } from '../deployments/outbox.util';
import { LIFECYCLE_REASONS, POOL_VERDICT_GRACE_MS, poolTimerId } from './lifecycle.constants';

/**
 * What the orchestrator sets in motion when a deployment enters its current phase: the commands
 * to other services, the timers that bound the phase, the lock's release at the end. Pure, so
 * the whole lifecycle can be read (and tested) in one place.
 *
 * `from` is the phase it left; `now` is epoch ms.
 */
export function phaseEntry(deployment: Deployment, from: Phase | null, now: number): OutboxEntry[] {
  const { request } = deployment;
  const cause = `${deployment.id}-${deployment.seq}`;
  const timerId = poolTimerId(deployment.id);
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
      return [{ id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId }];
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
  const entries: OutboxEntry[] = [{ id: `${cause}.cancel-timer`, kind: 'cancel-timer', timerId }];
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
