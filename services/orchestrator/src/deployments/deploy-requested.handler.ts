import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamContext, OnJetStream } from '@greenlight/bus';
import { DeployRequestSchema, SUBJECTS, type DeployRequest } from '@greenlight/contracts';
import { DeploymentsService } from './deployments.service';

/** Optional header naming who sent a NATS deploy request; it appears in the audit log. */
const ACTOR_HEADER = 'Greenlight-Actor';

@Controller()
export class DeployRequestedHandler {
  constructor(private readonly deployments: DeploymentsService) {}

  /**
   * A deploy request published on NATS. Idempotent: the message's delivery key (its Nats-Msg-Id,
   * else its stream sequence) maps to one deployment, so a redelivery after a crash finds the
   * deployment it already created. Invalid payloads never get here: the transport answers them
   * with deploy.rejected. A conflict is answered with deploy.rejected too, and acked.
   */
  @OnJetStream(SUBJECTS.deployRequested, {
    schema: DeployRequestSchema,
    rejectSubject: SUBJECTS.deployRejected,
    rejectType: 'deploy.rejected',
    durable: 'orchestrator--deploy-requested',
  })
  async onDeployRequested(
    @Payload() request: DeployRequest,
    @Ctx() ctx: JetStreamContext,
  ): Promise<void> {
    const sender = ctx.message.headers?.get(ACTOR_HEADER);
    await this.deployments.create(request, {
      actor: sender && /^[\w.:@-]{1,100}$/.test(sender) ? `nats:${sender}` : 'nats:anonymous',
      idempotencyKey: `nats:${ctx.deliveryKey}`,
      causationId: ctx.msgId ?? `${ctx.stream}:${ctx.streamSeq}`,
    });
  }
}
