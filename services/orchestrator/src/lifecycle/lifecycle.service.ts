import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  isTerminal,
  pausedAfter,
  transition,
  type Deployment,
  type Phase,
  type Trigger,
} from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { DeploymentRepository, StaleVersionError } from '@greenlight/store';
import { runWithLogContext } from '@greenlight/telemetry';
import { OutboxPublisher } from '../deployments/outbox.publisher';
import { publishEvent, type OutboxEntry } from '../deployments/outbox.util';
import { phaseChangedEvent } from '../deployments/phase-event.util';
import { ORCHESTRATOR_ACTOR } from '../deployments/deployments.constants';
import { LIFECYCLE_REASONS, MAX_WRITE_ATTEMPTS } from './lifecycle.constants';
import { LifecycleMetrics } from './lifecycle.metrics';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import {
  needsRouting,
  phaseEntry,
  phaseLimits,
  resendTraffic,
  stepOnEntry,
  type PhaseLimits,
} from './phase-entry.util';

/** Why a trigger fires, as the audit log shows it. */
export interface Cause {
  actor: string;
  reason: string;
  /** The message that caused it (event or command id), or null. */
  causationId: string | null;
  /** Only if the deployment is still in one of these phases (a timer, a late report). */
  onlyFrom?: readonly Phase[];
  /** Only while this canary/ramp step is the current one (a bake timer). */
  onlyAtStep?: number;
}

export type AdvanceOutcome =
  | { status: 'moved'; deployment: Deployment }
  | { status: 'refused'; reason: string; deployment: Deployment | null };

/**
 * Moves deployments through the state machine of libs/contracts. Each move is one
 * compare-and-set write of the record together with its phase event and the side effects of
 * entering the new phase (phaseEntry), so a crash never leaves one without the other.
 * A trigger the current phase does not accept is refused and changes nothing: that is how
 * duplicate and late reports are absorbed.
 */
@Injectable()
export class LifecycleService {
  private readonly log = new Logger(LifecycleService.name);

  private readonly limits: PhaseLimits;

  constructor(
    private readonly repo: DeploymentRepository<Deployment>,
    private readonly outbox: OutboxPublisher,
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    private readonly metrics: LifecycleMetrics,
  ) {
    this.limits = phaseLimits(config);
  }

  get(deploymentId: string): Promise<Deployment | null> {
    return this.repo.get(deploymentId);
  }

  advance(
    deploymentId: string,
    trigger: Trigger,
    cause: Cause,
    change: (current: Deployment) => Partial<Deployment> = () => ({}),
  ): Promise<AdvanceOutcome> {
    return runWithLogContext({ deploymentId }, () =>
      this.advanceOnce(deploymentId, trigger, cause, change),
    );
  }

  /**
   * Changes a deployment without moving it (a confirmed routing change, a scheduled bake), with
   * its side effects, under the same compare-and-set. `decide` returns null to change nothing.
   */
  async amend(
    deploymentId: string,
    decide: (current: Deployment) => { change: Partial<Deployment>; entries: OutboxEntry[] } | null,
  ): Promise<Deployment | null> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.repo.get(deploymentId);
      if (!current) return null;
      const decision = decide(current);
      if (!decision) return null;
      const next = { ...current, ...decision.change, updatedAt: new Date().toISOString() };
      try {
        const stored = await this.repo.update(next, current.version, decision.entries);
        await this.outbox
          .flush(deploymentId)
          .catch((error: unknown) =>
            this.log.warn(`stored; side effects later: ${(error as Error).message}`),
          );
        return stored;
      } catch (error) {
        if (!(error instanceof StaleVersionError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The data plane refused this deployment's routing change because it already has version
   * `applied` (the version counter fell behind, e.g. Redis restored from an older copy): move
   * the counter past it and send the same split again under a fresh version.
   */
  async reroute(deploymentId: string, applied: number): Promise<Deployment | null> {
    const current = await this.repo.get(deploymentId);
    if (!current || current.routingVersion === null || current.routingVersion > applied) {
      return null;
    }
    await this.repo.raiseRoutingVersion(current.service, applied);
    const version = await this.repo.nextRoutingVersion(current.service);
    return this.amend(deploymentId, (latest) => {
      // Only if nothing moved meanwhile: a newer change already carries a newer version.
      if (latest.routingVersion !== current.routingVersion || latest.phase !== current.phase) {
        return null;
      }
      const next = { ...latest, routingVersion: version };
      const entries = resendTraffic(next);
      return entries.length > 0 ? { change: { routingVersion: version }, entries } : null;
    });
  }

  private async advanceOnce(
    deploymentId: string,
    trigger: Trigger,
    cause: Cause,
    change: (current: Deployment) => Partial<Deployment>,
  ): Promise<AdvanceOutcome> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.repo.get(deploymentId);
      if (!current) {
        return {
          status: 'refused',
          reason: `deployment ${deploymentId} not found`,
          deployment: null,
        };
      }
      if (cause.onlyFrom && !cause.onlyFrom.includes(current.phase)) {
        return {
          status: 'refused',
          reason: `'${trigger}' only applies in ${cause.onlyFrom.join('/')}; it is ${current.phase}`,
          deployment: current,
        };
      }
      if (cause.onlyAtStep !== undefined && current.stepIndex !== cause.onlyAtStep) {
        return {
          status: 'refused',
          reason: `'${trigger}' was for step ${cause.onlyAtStep + 1}; the deployment is at step ${(current.stepIndex ?? -1) + 1}`,
          deployment: current,
        };
      }
      const steps = current.request.strategy.steps.length;
      const result = transition(current.phase, trigger, {
        hasBlue: current.blue !== null,
        remainingSteps: steps - 1 - (current.stepIndex ?? -1),
        paused: current.paused,
        aborting: current.aborting,
      });
      if (!result.ok) {
        this.log.debug(`${trigger} refused: ${result.reason}`);
        return { status: 'refused', reason: result.reason, deployment: current };
      }

      const now = Date.now();
      const entered = {
        ...current,
        ...change(current),
        phase: result.to,
        stepIndex: stepOnEntry(current, result.to),
      };
      const next: Deployment = {
        ...entered,
        routingVersion: needsRouting(entered)
          ? await this.repo.nextRoutingVersion(current.service)
          : current.routingVersion,
        paused: pausedAfter(result.to, current.paused),
        seq: current.seq + 1,
        updatedAt: new Date(now).toISOString(),
        reason: reasonAfter(current, result.to, cause.reason),
      };
      const event = phaseChangedEvent(
        next,
        next.seq,
        { from: current.phase, to: result.to, reason: cause.reason, actor: cause.actor },
        cause.causationId,
      );
      try {
        const stored = await this.repo.update(next, current.version, [
          publishEvent(event),
          ...phaseEntry(next, current.phase, now, this.limits),
        ]);
        this.log.log(`${current.phase} → ${result.to}: ${cause.reason}`);
        this.metrics.moved(current.service, current.phase, result.to);
        await this.outbox
          .flush(deploymentId)
          .catch((error: unknown) =>
            this.log.warn(`stored; side effects later: ${(error as Error).message}`),
          );
        if (stored.phase === 'Promoted' && !needsRouting(stored)) {
          // Green already has 100 % (a last step of 100 %): no routing change will confirm it.
          return this.advanceOnce(
            deploymentId,
            'promotion.confirmed',
            {
              actor: ORCHESTRATOR_ACTOR,
              reason: LIFECYCLE_REASONS.promoted,
              causationId: `${stored.id}-${stored.seq}`,
              onlyFrom: ['Promoted'],
            },
            () => ({}),
          );
        }
        return { status: 'moved', deployment: stored };
      } catch (error) {
        if (!(error instanceof StaleVersionError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}

/**
 * Why the deployment ended or is rolling back. A rollback that completes keeps the reason it
 * started for (the failed analysis, the operator's words), not the routing confirmation.
 */
function reasonAfter(current: Deployment, to: Phase, reason: string): string | null {
  if (to === 'RollingBack') return reason;
  if (!isTerminal(to)) return current.reason;
  return current.phase === 'RollingBack' && current.reason ? current.reason : reason;
}
