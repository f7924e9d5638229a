import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventBus, OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter } from '@greenlight/contracts';
import { ANALYSIS_ACTOR, type AnalysisCommand } from './analysis.constants';
import { AnalysisService } from './analysis.service';

@Controller()
export class AnalysisHandler {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly bus: EventBus,
  ) {}

  /**
   * Judges green against blue every interval of a canary/ramp step and publishes one
   * analysis.completed per look. Idempotent: a look's event id derives from the command id and
   * the look's number, which comes from the clock since the step began, so a command redelivered
   * after a restart resumes the same numbering and a repeated look is stored once.
   */
  @OnJetStream(commandTypeFilter('analysis.start'), {
    schema: COMMAND_MESSAGE_SCHEMAS['analysis.start'],
    // An analysis lasts the whole bake: one step's must not hold up another deployment's.
    concurrency: 64,
  })
  async onAnalysisStart(@Payload() command: AnalysisCommand): Promise<void> {
    await this.analysis.run(command, async (look, data) => {
      await this.bus.reply(command, 'analysis.completed', data, {
        actor: ANALYSIS_ACTOR,
        key: String(look),
      });
    });
  }
}
