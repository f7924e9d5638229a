import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, type EventEnvelope } from '@greenlight/contracts';
import { LIFECYCLE_REASONS, EVENT_CONCURRENCY } from './lifecycle.constants';
import { LifecycleService } from './lifecycle.service';

/** The cache-manager's plan and pre-warm end WarmingUp once green is ready. */
@Controller()
export class CacheEventsHandler {
  constructor(private readonly lifecycle: LifecycleService) {}

  /**
   * Recorded before any user request reaches green: the generations it names go into every
   * routing change. Idempotent: recorded once; a redelivery finds it recorded.
   */
  @OnJetStream(eventTypeFilter('cache.plan'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('cache.plan'),
  })
  async onPlan(@Payload() event: EventEnvelope<'cache.plan'>): Promise<void> {
    // Before green takes traffic only (consumers run apart, so the plan may land after the
    // pre-warm report moved the deployment to Verifying).
    await this.lifecycle.amend(event.deploymentId, (current) =>
      (current.phase === 'WarmingUp' || current.phase === 'Verifying') && !current.cachePlan
        ? { change: { cachePlan: event.data }, entries: [] }
        : null,
    );
  }

  /** Idempotent: only WarmingUp with a ready green accepts it, once. */
  @OnJetStream(eventTypeFilter('cache.prewarmed'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('cache.prewarmed'),
  })
  async onPrewarmed(@Payload() event: EventEnvelope<'cache.prewarmed'>): Promise<void> {
    const current = await this.lifecycle.get(event.deploymentId);
    if (!current?.greenReady) return;
    const { prefixes, replicas, seconds } = event.data;
    await this.lifecycle.advance(event.deploymentId, 'pool.ready', {
      actor: event.actor,
      reason: LIFECYCLE_REASONS.prewarmed(prefixes, replicas, seconds),
      causationId: event.id,
      onlyFrom: ['WarmingUp'],
    });
  }
}
