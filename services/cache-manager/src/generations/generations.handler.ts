import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter } from '@greenlight/contracts';
import { GenerationsService, type PhaseChanged } from './generations.service';

@Controller()
export class GenerationsHandler {
  constructor(private readonly generations: GenerationsService) {}

  /**
   * Drops the retired pool's semantic-cache generation when a deployment ends. Idempotent:
   * dropping a generation that is already gone does nothing, so a redelivered event is harmless.
   */
  @OnJetStream(eventTypeFilter('deployment.phase_changed'), {
    schema: eventEnvelopeSchema('deployment.phase_changed'),
  })
  async onPhaseChanged(@Payload() event: PhaseChanged): Promise<void> {
    await this.generations.onPhaseChanged(event);
  }
}
