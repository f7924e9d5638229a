import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnJetStream } from '@greenlight/bus';
import {
  COMMAND_MESSAGE_SCHEMAS,
  commandTypeFilter,
  SUBJECTS,
  type CommandMessage,
} from '@greenlight/contracts';
import { ControlService } from './control.service';

/** promote / pause / resume / abort / rollback published on NATS (greenlight.cmd.deployment.control.<service>). */
@Controller()
export class ControlHandler {
  private readonly log = new Logger(ControlHandler.name);

  constructor(private readonly control: ControlService) {}

  /**
   * Idempotent in effect: a redelivered action finds the deployment already moved (or paused)
   * and is refused, which the audit log records as such. Invalid payloads are answered on
   * greenlight.command.rejected by the transport.
   */
  @OnJetStream(commandTypeFilter('deployment.control'), {
    schema: COMMAND_MESSAGE_SCHEMAS['deployment.control'],
    rejectSubject: SUBJECTS.commandRejected,
    rejectType: 'command.rejected',
  })
  async onControl(@Payload() command: CommandMessage<'deployment.control'>): Promise<void> {
    const outcome = await this.control.apply(
      command.deploymentId,
      command.action,
      command.actor,
      command.reason,
    );
    if (outcome.status === 'refused') {
      this.log.warn(
        `${command.action} of ${command.deploymentId} by ${command.actor} refused: ${outcome.reason}`,
      );
    }
  }
}
