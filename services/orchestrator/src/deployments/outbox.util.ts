import {
  commandSubject,
  eventSubject,
  type CommandData,
  type CommandType,
  type Deployment,
  type Envelope,
  type EventTypeName,
} from '@greenlight/contracts';
import { ORCHESTRATOR_ACTOR } from './deployments.constants';

/**
 * One side effect of a deployment change, stored in the same atomic write as the change and
 * carried out after it (at least once, in order). Every kind is idempotent, so carrying one out
 * twice after a crash changes nothing.
 */
export type OutboxEntry =
  | { id: string; kind: 'publish'; subject: string; message: Envelope }
  | { id: string; kind: 'schedule-timer'; timerId: string; dueAt: number; payload: TimerPayload }
  | { id: string; kind: 'cancel-timer'; timerId: string }
  | { id: string; kind: 'release-lock'; service: string; deploymentId: string; fence: number };

/**
 * What a durable timer does when it fires: a trigger, if the deployment is still where it was.
 * `bake.elapsed` is not a transition: the bake's end decides from the latest analysis verdict.
 */
export interface TimerPayload {
  deploymentId: string;
  trigger: 'fail' | 'pool.ready' | 'drain.completed' | 'standby.expired' | 'bake.elapsed';
  /** The timer only applies while the deployment is in this phase… */
  phase: Deployment['phase'];
  /** …and, for a bake, at this step. */
  step?: number;
  reason: string;
}

export function publishEvent(event: Envelope): OutboxEntry {
  return {
    id: event.id,
    kind: 'publish',
    subject: eventSubject(event.type as EventTypeName, event.service, event.deploymentId),
    message: event,
  };
}

/** A command to another service, in the event envelope so it carries deployment and cause. */
export function sendCommand<T extends Exclude<CommandType, 'deployment.control'>>(
  deployment: Pick<Deployment, 'id' | 'service' | 'seq'>,
  type: T,
  data: CommandData<T>,
  causationId: string | null,
  /** Tells apart two commands of one type sent in the same phase (a routing change sent again). */
  key?: string,
): OutboxEntry {
  const id = `${deployment.id}-${deployment.seq}.${type}${key ? `.${key}` : ''}`;
  return {
    id,
    kind: 'publish',
    subject: commandSubject(type, deployment.service),
    message: {
      id,
      type,
      deploymentId: deployment.id,
      service: deployment.service,
      seq: deployment.seq,
      at: new Date().toISOString(),
      actor: ORCHESTRATOR_ACTOR,
      causationId,
      data,
    },
  };
}

export function isPhaseEvent(
  entry: OutboxEntry,
): entry is Extract<OutboxEntry, { kind: 'publish' }> {
  return entry.kind === 'publish' && entry.message.type === 'deployment.phase_changed';
}
