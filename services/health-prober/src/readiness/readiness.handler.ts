import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventBus, OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter } from '@greenlight/contracts';
import { READINESS_ACTOR } from './readiness.constants';
import { ReadinessService, type ReadinessCommand } from './readiness.service';

@Controller()
export class ReadinessHandler {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly bus: EventBus,
  ) {}

  /**
   * Probes the green replicas of a release and reports replica.ready per replica, then pool.ready
   * or pool.failed. Idempotent: every event id derives from the command id (+ the replica), and the
   * deadline is absolute, so a command redelivered after a crash probes again until the same
   * deadline and its repeated events are stored once. A deployment that ended gets no answer.
   */
  @OnJetStream(commandTypeFilter('readiness.probe'), {
    schema: COMMAND_MESSAGE_SCHEMAS['readiness.probe'],
    // A probe may last minutes: one deployment's cold start must not hold up another's.
    concurrency: 64,
  })
  async onReadinessProbe(@Payload() command: ReadinessCommand): Promise<void> {
    const { release } = command.data;
    const outcome = await this.readiness.probe(command, async ({ replica, url, stages }) => {
      await this.bus.reply(
        command,
        'replica.ready',
        { release, replica, url, stages },
        { actor: READINESS_ACTOR, key: String(replica) },
      );
    });
    switch (outcome.outcome) {
      case 'ready':
        await this.bus.reply(
          command,
          'pool.ready',
          { release, endpoints: outcome.endpoints },
          { actor: READINESS_ACTOR },
        );
        return;
      case 'failed':
        await this.bus.reply(
          command,
          'pool.failed',
          { release, reason: outcome.reason, stage: outcome.stage, replica: outcome.replica },
          { actor: READINESS_ACTOR },
        );
        return;
      case 'cancelled':
        return;
    }
  }
}
