import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventBus, OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter } from '@greenlight/contracts';
import { CACHE_MANAGER_ACTOR, PREPARE_CONCURRENCY } from './prepare.constants';
import { PrepareService, type CachePrepareCommand } from './prepare.service';

@Controller()
export class PrepareHandler {
  constructor(
    private readonly prepare: PrepareService,
    private readonly bus: EventBus,
  ) {}

  /**
   * Answers cache.plan at once, then pre-warms green and answers cache.prewarmed. Idempotent:
   * the plan is a pure function of the command (same generation ids), event ids derive from the
   * command id, and replaying prefixes on a replica again only touches its cache once more.
   */
  @OnJetStream(commandTypeFilter('cache.prepare'), {
    schema: COMMAND_MESSAGE_SCHEMAS['cache.prepare'],
    concurrency: PREPARE_CONCURRENCY,
  })
  async onCachePrepare(@Payload() command: CachePrepareCommand): Promise<void> {
    const plan = await this.prepare.plan(command);
    await this.bus.reply(command, 'cache.plan', plan, { actor: CACHE_MANAGER_ACTOR });
    const prewarmed = await this.prepare.prewarm(command, plan);
    await this.bus.reply(command, 'cache.prewarmed', prewarmed, { actor: CACHE_MANAGER_ACTOR });
  }
}
