import { z } from 'zod';
import { CachePlanDataSchema, CachePrewarmedDataSchema } from './cache-events.schema';
import {
  CommandRejectedDataSchema,
  ControlDataSchema,
  DeployRejectedDataSchema,
  PhaseChangedDataSchema,
} from './deployment-events.schema';
import { type Envelope, envelopeOf } from './envelope.schema';
import {
  PoolDecommissionedDataSchema,
  PoolFailedDataSchema,
  PoolProvisionedDataSchema,
  PoolReadyDataSchema,
  ReplicaReadyDataSchema,
} from './pool-events.schema';
import {
  DrainCompletedDataSchema,
  DrainProgressDataSchema,
  TrafficShiftedDataSchema,
} from './traffic-events.schema';
import { AnalysisCompletedDataSchema, EvalCompletedDataSchema } from './verification-events.schema';

/** Event type (`noun.verb`, also its subject tokens) -> schema of its `data`. */
export const EVENT_SCHEMAS = {
  'deployment.phase_changed': PhaseChangedDataSchema,
  'deployment.control': ControlDataSchema,
  'deploy.rejected': DeployRejectedDataSchema,
  'pool.provisioned': PoolProvisionedDataSchema,
  'replica.ready': ReplicaReadyDataSchema,
  'pool.ready': PoolReadyDataSchema,
  'pool.failed': PoolFailedDataSchema,
  'pool.decommissioned': PoolDecommissionedDataSchema,
  'eval.completed': EvalCompletedDataSchema,
  'analysis.completed': AnalysisCompletedDataSchema,
  'traffic.shifted': TrafficShiftedDataSchema,
  'drain.progress': DrainProgressDataSchema,
  'drain.completed': DrainCompletedDataSchema,
  'cache.plan': CachePlanDataSchema,
  'cache.prewarmed': CachePrewarmedDataSchema,
  'command.rejected': CommandRejectedDataSchema,
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventData<T extends EventType> = z.output<(typeof EVENT_SCHEMAS)[T]>;
export type EventEnvelope<T extends EventType> = Envelope<EventData<T>> & { type: T };

export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

/** The whole message for one event type: envelope, fixed `type`, typed `data`. */
export function eventEnvelopeSchema<T extends EventType>(type: T): z.ZodType<EventEnvelope<T>> {
  // The generic extend() loses `data`'s type; the schema checks exactly this shape.
  return envelopeOf(EVENT_SCHEMAS[type]).extend({ type: z.literal(type) }) as unknown as z.ZodType<
    EventEnvelope<T>
  >;
}
