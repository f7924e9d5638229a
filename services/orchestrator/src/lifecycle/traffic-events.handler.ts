import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import {
  eventEnvelopeSchema,
  eventTypeFilter,
  type Deployment,
  type EventEnvelope,
  type TrafficWeights,
} from '@greenlight/contracts';
import { ORCHESTRATOR_ACTOR } from '../deployments/deployments.constants';
import type { OutboxEntry } from '../deployments/outbox.util';
import { LIFECYCLE_REASONS, EVENT_CONCURRENCY } from './lifecycle.constants';
import { analysisStart, askedWeights, clockTimer } from './phase-entry.util';
import { LifecycleService } from './lifecycle.service';

/** The data plane confirmed a routing change: bake the step, or finish the rollback. */
@Controller()
export class TrafficEventsHandler {
  private readonly log = new Logger(TrafficEventsHandler.name);

  constructor(private readonly lifecycle: LifecycleService) {}

  /**
   * Idempotent: only the confirmation of the routing version the deployment asked for last
   * counts, and only once (its weights are recorded; a redelivery finds them recorded already).
   */
  @OnJetStream(eventTypeFilter('traffic.shifted'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('traffic.shifted'),
  })
  async onShifted(@Payload() event: EventEnvelope<'traffic.shifted'>): Promise<void> {
    const { version, weights } = event.data;
    const recorded = await this.lifecycle.amend(event.deploymentId, (current) => {
      if (current.routingVersion !== version) return null;
      // Only the split this phase asked for under that version counts: anything else is a
      // forged or corrupted report (a phase without a split of its own asked for none).
      if (!isAsked(current, weights)) return null;
      if (current.weights.blue === weights.blue && current.weights.green === weights.green) {
        return null; // already recorded: a redelivery, or a split that did not change
      }
      const bake = bakeEntries({ ...current, weights }, event.id);
      return { change: { weights, ...bake.change }, entries: bake.entries };
    });
    const deployment = recorded ?? (await this.lifecycle.get(event.deploymentId));
    if (!deployment || deployment.routingVersion !== version) return;
    if (!isAsked(deployment, weights)) {
      this.log.warn(
        `routing ${version} of ${event.deploymentId} reported as blue ${weights.blue} % / green ${weights.green} %, which ${deployment.phase} did not ask for: ignored`,
      );
      return;
    }
    this.log.log(`routing ${version} confirmed: blue ${weights.blue} %, green ${weights.green} %`);

    if (deployment.phase === 'RollingBack' && weights.blue === 100) {
      await this.lifecycle.advance(event.deploymentId, 'rollback.completed', {
        actor: event.actor,
        reason: LIFECYCLE_REASONS.rolledBack(version),
        causationId: event.id,
        onlyFrom: ['RollingBack'],
      });
    } else if (deployment.phase === 'Promoted' && weights.green === 100) {
      await this.lifecycle.advance(event.deploymentId, 'promotion.confirmed', {
        actor: event.actor,
        reason: LIFECYCLE_REASONS.promoted,
        causationId: event.id,
        onlyFrom: ['Promoted'],
      });
    } else if (isBaking(deployment) && stepOf(deployment)?.bake === 0) {
      await this.passStep(deployment, event.id);
    }
  }

  /**
   * A routing change refused as stale: the data plane already has a newer version than this
   * deployment's counter gave (Redis restored from an older copy). Sent again past it; a
   * repeated refusal of the same version finds the deployment already moved on and is ignored.
   */
  @OnJetStream(eventTypeFilter('command.rejected'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('command.rejected'),
  })
  async onRejected(@Payload() event: EventEnvelope<'command.rejected'>): Promise<void> {
    const { command, appliedVersion, reason } = event.data;
    if (command !== 'traffic.set') return;
    this.log.warn(`routing change of ${event.deploymentId} refused: ${reason}`);
    if (appliedVersion === undefined) return;
    const rerouted = await this.lifecycle.reroute(event.deploymentId, appliedVersion);
    if (rerouted) {
      this.log.warn(`routing sent again as version ${rerouted.routingVersion ?? '?'}`);
    }
  }

  private async passStep(deployment: Deployment, causationId: string): Promise<void> {
    const index = deployment.stepIndex ?? 0;
    const step = stepOf(deployment);
    await this.lifecycle.advance(deployment.id, 'step.passed', {
      actor: ORCHESTRATOR_ACTOR,
      reason: LIFECYCLE_REASONS.baked(index, step?.weight ?? 0, 0),
      causationId,
      onlyFrom: ['Canary', 'Ramping'],
      onlyAtStep: index,
    });
  }
}

function isAsked(deployment: Deployment, weights: TrafficWeights): boolean {
  const asked = askedWeights(deployment);
  return asked !== null && asked.blue === weights.blue && asked.green === weights.green;
}

function isBaking(deployment: Deployment): boolean {
  return deployment.phase === 'Canary' || deployment.phase === 'Ramping';
}

function stepOf(deployment: Deployment) {
  return deployment.request.strategy.steps[deployment.stepIndex ?? 0];
}

/**
 * A confirmed canary/ramp step starts its bake (a durable timer, so a restart does not reset it)
 * and its analysis. Paused: the clock waits for resume with the whole bake left.
 */
function bakeEntries(deployment: Deployment, causationId: string): BakeStart {
  const step = stepOf(deployment);
  if (!isBaking(deployment) || !step || step.bake === 0) return { entries: [], change: {} };
  const analyse = analysisStart(deployment, step.bake, causationId);
  const fresh = { analysis: null };
  if (deployment.paused) {
    return { entries: [analyse], change: { ...fresh, remainingMs: step.bake } };
  }
  return {
    entries: [analyse, clockTimer(deployment, Date.now() + step.bake, `${causationId}.bake`)],
    change: fresh,
  };
}

interface BakeStart {
  entries: OutboxEntry[];
  change: Partial<Deployment>;
}
