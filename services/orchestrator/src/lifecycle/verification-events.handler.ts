import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, type EventEnvelope } from '@greenlight/contracts';
import { LIFECYCLE_REASONS, EVENT_CONCURRENCY } from './lifecycle.constants';
import { BakeService } from './bake.service';
import { LifecycleService } from './lifecycle.service';

/** The eval-runner's verdict ends Verifying; the health-prober's verdicts decide each step. */
@Controller()
export class VerificationEventsHandler {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly bake: BakeService,
  ) {}

  /**
   * Idempotent: a failing verdict is refused once the step is left; a passing or inconclusive
   * one only replaces an older verdict of the same step.
   */
  @OnJetStream(eventTypeFilter('analysis.completed'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('analysis.completed'),
  })
  async onAnalysis(@Payload() event: EventEnvelope<'analysis.completed'>): Promise<void> {
    await this.bake.onVerdict(event);
  }

  /** Idempotent: once the deployment left Verifying, a repeated verdict is refused. */
  @OnJetStream(eventTypeFilter('eval.completed'), {
    concurrency: EVENT_CONCURRENCY,
    schema: eventEnvelopeSchema('eval.completed'),
  })
  async onEvalCompleted(@Payload() event: EventEnvelope<'eval.completed'>): Promise<void> {
    const { passed, reasons } = event.data;
    await this.lifecycle.advance(event.deploymentId, passed ? 'verify.passed' : 'verify.failed', {
      actor: event.actor,
      reason: passed
        ? LIFECYCLE_REASONS.verified(reasons, event.data.scores)
        : LIFECYCLE_REASONS.verifyFailed(reasons),
      causationId: event.id,
      onlyFrom: ['Verifying'],
    });
  }
}
