import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, PhaseWatch } from '@greenlight/bus';
import { PREWARM_STOPS } from './prepare.constants';

/**
 * Stops a pre-warm whose deployment left WarmingUp (aborted, failed, or moved on without it
 * after the budget): its replays would only load replicas that are going away or serving.
 */
@Injectable()
export class PrewarmCancellationService extends PhaseWatch {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    super(nc, {
      name: 'PrewarmCancellation',
      endsWork: (change) => change.from === 'WarmingUp' && change.to !== 'WarmingUp',
      reasons: PREWARM_STOPS,
    });
  }
}
