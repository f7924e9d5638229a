import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, PhaseWatch } from '@greenlight/bus';
import { isTerminal } from '@greenlight/contracts';
import { ABORT_REASONS } from './readiness.constants';

/** Stops probes of deployments that have ended (aborted, failed, rolled back…). */
@Injectable()
export class ReadinessCancellationService extends PhaseWatch {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    super(nc, {
      name: 'ReadinessCancellation',
      endsWork: (change) => isTerminal(change.to),
      reasons: { moved: ABORT_REASONS.deploymentEnded, shutdown: ABORT_REASONS.shutdown },
    });
  }
}
