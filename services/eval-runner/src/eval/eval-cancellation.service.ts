import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, PhaseWatch } from '@greenlight/bus';
import { isTerminal } from '@greenlight/contracts';
import { ABORT_REASONS } from './eval.constants';

/** Stops eval runs of deployments that have ended (aborted, failed…). */
@Injectable()
export class EvalCancellationService extends PhaseWatch {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    super(nc, {
      name: 'EvalCancellation',
      endsWork: (change) => isTerminal(change.to),
      reasons: { moved: ABORT_REASONS.deploymentEnded, shutdown: ABORT_REASONS.shutdown },
    });
  }
}
