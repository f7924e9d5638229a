import type { Deployment, Envelope, Phase } from '@greenlight/contracts';

export interface PhaseChange {
  from: Phase | null;
  to: Phase;
  reason: string;
  actor: string;
}

/** The audit record of one transition; its id is stable so a re-publish is deduplicated. */
export function phaseChangedEvent(
  deployment: Pick<Deployment, 'id' | 'service'>,
  seq: number,
  change: PhaseChange,
  causationId: string | null,
): Envelope<PhaseChange> {
  return {
    id: `${deployment.id}-${seq}`,
    type: 'deployment.phase_changed',
    deploymentId: deployment.id,
    service: deployment.service,
    seq,
    at: new Date().toISOString(),
    actor: change.actor,
    causationId,
    data: change,
  };
}
