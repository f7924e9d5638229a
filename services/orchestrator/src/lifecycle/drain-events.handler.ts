import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, type EventEnvelope } from '@greenlight/contracts';
import { LIFECYCLE_REASONS, EVENT_CONCURRENCY } from './lifecycle.constants';
import { LifecycleService } from './lifecycle.service';

/** Blue has drained: it stays warm in Standby until the window ends or someone rolls back. */
@Controller()
export class DrainEventsHandler {
  constructor(private readonly lifecycle: LifecycleService) {}

  /** Idempotent: once the deployment left Draining, a repeated report is refused. */
  @OnJetStream(eventTypeFilter('drain.completed'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('drain.completed'),
  })
  async onDrained(@Payload() event: EventEnvelope<'drain.completed'>): Promise<void> {
    const { inFlight, timedOut, elapsedMs } = event.data;
    await this.lifecycle.advance(event.deploymentId, 'drain.completed', {
      actor: event.actor,
      reason: LIFECYCLE_REASONS.drained(inFlight, timedOut, elapsedMs),
      causationId: event.id,
      onlyFrom: ['Draining'],
    });
  }
}
