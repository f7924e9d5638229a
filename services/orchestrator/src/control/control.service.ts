import { Injectable, Logger } from '@nestjs/common';
import { ulid } from 'ulid';
import { EventBus } from '@greenlight/bus';
import type { ControlAction, Deployment } from '@greenlight/contracts';
import { type AdvanceOutcome, LifecycleService } from '../lifecycle/lifecycle.service';

/** Operator actions on a running deployment; each one, taken or refused, is in the audit log. */
@Injectable()
export class ControlService {
  private readonly log = new Logger(ControlService.name);

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly bus: EventBus,
  ) {}

  /** Blue to 100 % at once: a routing change, so it takes effect as fast as the data plane applies it. */
  async rollback(id: string, actor: string, reason?: string): Promise<AdvanceOutcome> {
    const outcome = await this.lifecycle.advance(id, 'rollback', {
      actor,
      reason: `rollback requested by ${actor}${reason ? `: ${reason}` : ''}`,
      causationId: null,
    });
    if (outcome.status === 'refused' && outcome.deployment) {
      await this.recordRefusal(outcome.deployment, 'rollback', actor, outcome.reason);
    }
    return outcome;
  }

  /** A taken action is its phase event (with the operator as actor); a refused one is recorded here. */
  private async recordRefusal(
    deployment: Deployment,
    action: ControlAction,
    actor: string,
    reason: string,
  ): Promise<void> {
    await this.bus
      .publishEvent({
        id: `${deployment.id}-control-${ulid()}`,
        type: 'deployment.control',
        deploymentId: deployment.id,
        service: deployment.service,
        seq: deployment.seq,
        at: new Date().toISOString(),
        actor,
        causationId: null,
        data: { action, reason, accepted: false },
      })
      .catch((error: unknown) =>
        this.log.warn(`refused ${action} not recorded: ${(error as Error).message}`),
      );
  }
}
