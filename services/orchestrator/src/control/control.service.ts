import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  canPause,
  canResume,
  type ControlAction,
  type Deployment,
  type Envelope,
} from '@greenlight/contracts';
import { TimerStore } from '@greenlight/store';
import { publishEvent, type OutboxEntry } from '../deployments/outbox.util';
import { DeploymentsService, type RequestOutcome } from '../deployments/deployments.service';
import { clockTimerId } from '../lifecycle/lifecycle.constants';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { analysisStart, clockTimer } from '../lifecycle/phase-entry.util';
import { CONTROL_ERRORS, CONTROL_REASONS } from './control.constants';

export type ControlOutcome =
  | { status: 'accepted'; deployment: Deployment }
  /** Rolling back a Completed deployment redeploys its previous release as a new deployment. */
  | { status: 'redeploying'; deployment: Deployment; created: Deployment }
  | { status: 'refused'; reason: string; deployment: Deployment | null };

/**
 * Operator actions on a deployment (REST, CLI, NATS). Each one, taken or refused, is in the
 * audit log with its actor: a taken one as its phase change or a deployment.control event, a
 * refused one as a deployment.control event with accepted: false.
 */
@Injectable()
export class ControlService {
  private readonly log = new Logger(ControlService.name);

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly deployments: DeploymentsService,
    @Inject(TimerStore) private readonly timers: TimerStore,
  ) {}

  async apply(
    id: string,
    action: ControlAction,
    actor: string,
    reason?: string,
  ): Promise<ControlOutcome> {
    const why = CONTROL_REASONS.requested(action, actor, reason);
    const outcome = await this.take(id, action, actor, why, reason);
    if (outcome.status === 'refused' && outcome.deployment) {
      await this.record(outcome.deployment.id, action, actor, false, outcome.reason);
    }
    return outcome;
  }

  private async take(
    id: string,
    action: ControlAction,
    actor: string,
    why: string,
    reason: string | undefined,
  ): Promise<ControlOutcome> {
    const cause = { actor, reason: why, causationId: null };
    switch (action) {
      case 'promote':
        return accepted(await this.lifecycle.advance(id, 'promote', cause));
      case 'abort':
        // Aborting while green serves gives blue its traffic back first, then ends as Aborted.
        return accepted(
          await this.lifecycle.advance(id, 'abort', cause, () => ({ aborting: true })),
        );
      case 'rollback': {
        const current = await this.lifecycle.get(id);
        if (current?.phase === 'Completed') return this.redeployPrevious(current, actor, reason);
        return accepted(await this.lifecycle.advance(id, 'rollback', cause));
      }
      case 'pause':
        return this.setPaused(id, true, actor, why);
      case 'resume':
        return this.setPaused(id, false, actor, why);
    }
  }

  /**
   * Stops or restarts the clock (bake or standby window). Pausing keeps what was left of it;
   * resuming schedules exactly that. Analysis and failures keep acting while paused.
   */
  private async setPaused(
    id: string,
    pause: boolean,
    actor: string,
    why: string,
  ): Promise<ControlOutcome> {
    const current = await this.lifecycle.get(id);
    if (!current)
      return { status: 'refused', reason: CONTROL_ERRORS.notFound(id), deployment: null };
    const timer = pause ? await this.timers.get(clockTimerId(id)) : null;
    let refusal: string | null = null;
    const stored = await this.lifecycle.amend(id, (latest) => {
      const allowed = pause
        ? canPause(latest.phase, latest.paused)
        : canResume(latest.phase, latest.paused);
      if (!allowed) {
        refusal = CONTROL_ERRORS.cannot(pause ? 'pause' : 'resume', latest.phase, latest.paused);
        return null;
      }
      const seq = latest.seq + 1;
      const event = controlEvent(latest, seq, pause ? 'pause' : 'resume', actor, true, why);
      const entries: OutboxEntry[] = [publishEvent(event)];
      let remainingMs = latest.remainingMs;
      if (pause) {
        // No clock yet (the step's routing is not confirmed): the bake starts whole on resume.
        remainingMs = timer ? Math.max(0, timer.dueAt - Date.now()) : null;
        entries.push({
          id: `${event.id}.cancel-clock`,
          kind: 'cancel-timer',
          timerId: clockTimerId(id),
        });
      } else if (remainingMs !== null) {
        entries.push(clockTimer(latest, Date.now() + remainingMs, `${event.id}.clock`));
        // A long pause outlives the analysis it interrupted: what is left of the bake is judged
        // afresh, so the step never ends on a verdict from before the pause.
        if (latest.phase !== 'Standby') {
          entries.push(analysisStart({ ...latest, seq }, remainingMs, event.id));
        }
        remainingMs = null;
      }
      return { change: { paused: pause, seq, remainingMs }, entries };
    });
    if (!stored) {
      return {
        status: 'refused',
        reason: refusal ?? CONTROL_ERRORS.notFound(id),
        deployment: current,
      };
    }
    this.log.log(`${pause ? 'paused' : 'resumed'} by ${actor}`);
    return { status: 'accepted', deployment: stored };
  }

  /** A Completed deployment's blue is gone: its release comes back through the normal path. */
  private async redeployPrevious(
    current: Deployment,
    actor: string,
    reason: string | undefined,
  ): Promise<ControlOutcome> {
    if (!current.blue) {
      return {
        status: 'refused',
        reason: CONTROL_ERRORS.noPrevious(current.id),
        deployment: current,
      };
    }
    const live = await this.deployments.liveRelease(current.service);
    if (live?.id !== current.id) {
      return {
        status: 'refused',
        reason: CONTROL_ERRORS.notLive(current.id, live?.id ?? null),
        deployment: current,
      };
    }
    const outcome: RequestOutcome = await this.deployments.create(
      { ...current.request, release: current.blue.release, pool: current.blue.pool },
      {
        actor,
        idempotencyKey: null,
        causationId: null,
        rollbackOf: current.id,
        reason: CONTROL_REASONS.redeploy(current, actor, reason),
      },
    );
    switch (outcome.status) {
      case 'accepted':
        await this.record(
          current.id,
          'rollback',
          actor,
          true,
          CONTROL_REASONS.redeployed(outcome.deployment.id),
        );
        return { status: 'redeploying', deployment: current, created: outcome.deployment };
      case 'conflict':
        return { status: 'refused', reason: outcome.message, deployment: current };
      case 'invalid':
        return {
          status: 'refused',
          reason: outcome.issues.map((i) => `${i.path}: ${i.message}`).join('; '),
          deployment: current,
        };
    }
  }

  /** A deployment.control event in the audit log, numbered like the deployment's other events. */
  private async record(
    id: string,
    action: ControlAction,
    actor: string,
    accepted: boolean,
    reason: string,
  ): Promise<void> {
    await this.lifecycle
      .amend(id, (latest) => {
        const seq = latest.seq + 1;
        return {
          change: { seq },
          entries: [publishEvent(controlEvent(latest, seq, action, actor, accepted, reason))],
        };
      })
      .catch((error: unknown) =>
        this.log.warn(`${action} by ${actor} not recorded: ${(error as Error).message}`),
      );
  }
}

function accepted(outcome: Awaited<ReturnType<LifecycleService['advance']>>): ControlOutcome {
  return outcome.status === 'moved'
    ? { status: 'accepted', deployment: outcome.deployment }
    : outcome;
}

function controlEvent(
  deployment: Pick<Deployment, 'id' | 'service'>,
  seq: number,
  action: ControlAction,
  actor: string,
  accepted: boolean,
  reason: string,
): Envelope {
  return {
    id: `${deployment.id}-${seq}`,
    type: 'deployment.control',
    deploymentId: deployment.id,
    service: deployment.service,
    seq,
    at: new Date().toISOString(),
    actor,
    causationId: null,
    data: { action, reason, accepted },
  };
}
