import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventBus, OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter } from '@greenlight/contracts';
import { EVAL_ACTOR, EVAL_HANDLER_CONCURRENCY } from './eval.constants';
import { EvalService, type EvalCommand } from './eval.service';

@Controller()
export class EvalHandler {
  constructor(
    private readonly evals: EvalService,
    private readonly bus: EventBus,
  ) {}

  /**
   * Smoke tests and the suite on green (paired with blue), answered with eval.completed.
   * Idempotent: the event id derives from the command id and the deadline is absolute, so a
   * command redelivered after a crash runs again until the same deadline and its verdict is
   * stored once. A deployment that ended gets no answer.
   */
  @OnJetStream(commandTypeFilter('eval.run'), {
    schema: COMMAND_MESSAGE_SCHEMAS['eval.run'],
    // A suite may take minutes: one deployment's eval must not hold up another's.
    concurrency: EVAL_HANDLER_CONCURRENCY,
  })
  async onEvalRun(@Payload() command: EvalCommand): Promise<void> {
    const outcome = await this.evals.run(command);
    if (outcome.outcome === 'cancelled') return;
    await this.bus.reply(command, 'eval.completed', outcome.data, { actor: EVAL_ACTOR });
  }
}
