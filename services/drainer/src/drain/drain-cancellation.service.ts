import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, PhaseWatch } from '@greenlight/bus';
import { DRAIN_ABORT_REASONS } from './drain.constants';

/** Stops drains of deployments that left Draining (rolled back, aborted…): their answer would be ignored. */
@Injectable()
export class DrainCancellationService extends PhaseWatch {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    super(nc, {
      name: 'DrainCancellation',
      endsWork: (change) => change.from === 'Draining' && change.to !== 'Draining',
      reasons: { moved: DRAIN_ABORT_REASONS.leftDraining, shutdown: DRAIN_ABORT_REASONS.shutdown },
    });
  }
}
