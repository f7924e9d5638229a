import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import {
  COMMAND_MESSAGE_SCHEMAS,
  commandTypeFilter,
  type CommandMessage,
} from '@greenlight/contracts';
import { PoolHostService } from './pool-host.service';

/** Pools start and stop slowly (a stop waits out in-flight streams): many at once, each on its own. */
const POOL_COMMAND_CONCURRENCY = 32;

@Controller()
export class PoolCommandsHandler {
  constructor(private readonly host: PoolHostService) {}

  /**
   * Start the green pool of a release. Idempotent: the pool is claimed per service and release
   * in Redis, so a redelivered command reports the pool it already started instead of starting
   * another.
   */
  @OnJetStream(commandTypeFilter('pool.provision'), {
    schema: COMMAND_MESSAGE_SCHEMAS['pool.provision'],
    concurrency: POOL_COMMAND_CONCURRENCY,
  })
  provision(@Payload() command: CommandMessage<'pool.provision'>): Promise<void> {
    return this.host.provision(command);
  }

  /** Stop a release's pool. Idempotent: a pool already stopped is only reported again. */
  @OnJetStream(commandTypeFilter('pool.stop'), {
    schema: COMMAND_MESSAGE_SCHEMAS['pool.stop'],
    concurrency: POOL_COMMAND_CONCURRENCY,
  })
  stop(@Payload() command: CommandMessage<'pool.stop'>): Promise<void> {
    return this.host.stop(command);
  }
}
