import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import { COMMAND_MESSAGE_SCHEMAS, commandTypeFilter, SUBJECTS } from '@greenlight/contracts';
import { TrafficShifterService, type TrafficSetCommand } from './traffic-shifter.service';

@Controller()
export class TrafficSetHandler {
  constructor(private readonly shifter: TrafficShifterService) {}

  /**
   * Applies a routing change to every data plane and answers traffic.shifted once all confirmed,
   * or command.rejected when it may not change anything. Idempotent: a redelivered command finds
   * its own version already in the routes bucket and only confirms it again (no second write);
   * every answer's id derives from the command's, so a repeated answer is stored once.
   */
  @OnJetStream(commandTypeFilter('traffic.set'), {
    schema: COMMAND_MESSAGE_SCHEMAS['traffic.set'],
    rejectSubject: SUBJECTS.commandRejected,
    rejectType: 'command.rejected',
    // Services shift independently; one waiting for a slow ack must not hold up the others.
    concurrency: 16,
  })
  async onTrafficSet(@Payload() command: TrafficSetCommand): Promise<void> {
    await this.shifter.shift(command);
  }
}
