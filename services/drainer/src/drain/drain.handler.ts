import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventBus, OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter } from '@greenlight/contracts';
import { DRAIN_ACTOR, DRAIN_CONCURRENCY } from './drain.constants';
import { DrainService, type DrainCommand } from './drain.service';

@Controller()
export class DrainHandler {
  private readonly log = new Logger('DrainHandler');

  constructor(
    private readonly drains: DrainService,
    private readonly bus: EventBus,
  ) {}

  /**
   * Waits until blue's release has nothing in flight (gateway gauges and replica /metrics), then
   * replies drain.completed; drain.progress while the count falls. Idempotent: event ids derive
   * from the command id (progress keyed by the elapsed second) and the deadline is absolute, so a
   * command redelivered after a crash drains again until the same deadline and is stored once.
   * A deployment that left Draining gets no answer.
   */
  @OnJetStream(commandTypeFilter('drain.start'), {
    schema: COMMAND_MESSAGE_SCHEMAS['drain.start'],
    concurrency: DRAIN_CONCURRENCY,
  })
  async onDrainStart(@Payload() command: DrainCommand): Promise<void> {
    const { release } = command.data;
    const outcome = await this.drains.drain(command, async ({ inFlight, streams, elapsedMs }) => {
      // Progress is for people watching: a lost one must not fail (and restart) the drain.
      await this.bus
        .reply(
          command,
          'drain.progress',
          { release, inFlight, streams, elapsedMs },
          { actor: DRAIN_ACTOR, key: String(Math.floor(elapsedMs / 1000)) },
        )
        .catch((error: unknown) =>
          this.log.warn(`drain.progress not published: ${(error as Error).message}`),
        );
    });
    if (outcome.outcome === 'cancelled') return;
    await this.bus.reply(
      command,
      'drain.completed',
      {
        release,
        inFlight: outcome.inFlight,
        timedOut: outcome.outcome === 'timedOut',
        elapsedMs: outcome.elapsedMs,
      },
      { actor: DRAIN_ACTOR },
    );
  }
}
