import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, type EventEnvelope } from '@greenlight/contracts';
import { LIFECYCLE_REASONS, EVENT_CONCURRENCY } from './lifecycle.constants';
import { LifecycleService } from './lifecycle.service';
import { cachePrepEntries, needsCachePrep } from './phase-entry.util';

/** Reports about the green pool (from the pool host and the health-prober) move the deployment. */
@Controller()
export class PoolEventsHandler {
  private readonly log = new Logger(PoolEventsHandler.name);

  constructor(private readonly lifecycle: LifecycleService) {}

  /**
   * The pool driver started the green replicas. Idempotent: a redelivery finds the deployment
   * already past Provisioning and the state machine refuses the trigger.
   */
  @OnJetStream(eventTypeFilter('pool.provisioned'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('pool.provisioned'),
  })
  async onProvisioned(@Payload() event: EventEnvelope<'pool.provisioned'>): Promise<void> {
    const { endpoints } = event.data;
    await this.lifecycle.advance(
      event.deploymentId,
      'pool.provisioned',
      {
        actor: event.actor,
        reason: LIFECYCLE_REASONS.provisioned(endpoints.length),
        causationId: event.id,
      },
      () => ({ green: { endpoints } }),
    );
  }

  /**
   * Every green replica passed readiness. With caches to prepare, the cache-manager gets its turn
   * (bounded by the pre-warm budget) before Verifying; otherwise Verifying starts now.
   * Idempotent like onProvisioned: a redelivery finds green already marked ready.
   */
  @OnJetStream(eventTypeFilter('pool.ready'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('pool.ready'),
  })
  async onReady(@Payload() event: EventEnvelope<'pool.ready'>): Promise<void> {
    const cause = {
      actor: event.actor,
      reason: LIFECYCLE_REASONS.ready(event.data.endpoints.length),
      causationId: event.id,
      onlyFrom: ['WarmingUp'] as const,
    };
    const current = await this.lifecycle.get(event.deploymentId);
    if (!current || current.phase !== 'WarmingUp' || current.greenReady) return;
    if (!needsCachePrep(current)) {
      await this.lifecycle.advance(event.deploymentId, 'pool.ready', cause);
      return;
    }
    await this.lifecycle.amend(event.deploymentId, (latest) =>
      latest.phase === 'WarmingUp' && !latest.greenReady
        ? { change: { greenReady: true }, entries: cachePrepEntries(latest, event.id) }
        : null,
    );
  }

  /**
   * The green pool could not start, a replica never became ready, or one exited. Before any user
   * traffic reached green this ends the deployment (Failed: green is stopped, blue untouched).
   * Idempotent: once Failed, a repeated report is refused.
   */
  @OnJetStream(eventTypeFilter('pool.failed'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('pool.failed'),
  })
  async onFailed(@Payload() event: EventEnvelope<'pool.failed'>): Promise<void> {
    const { stage, reason, release } = event.data;
    const current = await this.lifecycle.get(event.deploymentId);
    // Only green's failure is this deployment's: a report naming another release (blue's, or a
    // forged one) must not roll green back or fail it.
    if (current && release !== current.request.release.version) {
      this.log.warn(
        `pool report for ${event.deploymentId} names release ${release}, not green's ${current.request.release.version}: ignored`,
      );
      return;
    }
    // While green serves a share of users, a dead replica is a failed canary: blue takes it all back.
    const outcome =
      current && (current.phase === 'Canary' || current.phase === 'Ramping')
        ? await this.lifecycle.advance(event.deploymentId, 'analysis.failed', {
            actor: event.actor,
            reason: LIFECYCLE_REASONS.greenCrashed(stage, reason),
            causationId: event.id,
            onlyFrom: ['Canary', 'Ramping'],
          })
        : await this.lifecycle.advance(event.deploymentId, 'fail', {
            actor: event.actor,
            reason: LIFECYCLE_REASONS.poolFailed(stage, reason),
            causationId: event.id,
            onlyFrom: ['Provisioning', 'WarmingUp', 'Verifying'],
          });
    if (outcome.status === 'refused') {
      this.log.warn(`pool report for ${event.deploymentId} not applied: ${outcome.reason}`);
    }
  }
}
