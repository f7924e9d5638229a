import { z } from 'zod';
import { TrafficWeightsSchema } from '../deployment/deployment.schema';
import { ControlActionSchema } from '../events/deployment-events.schema';
import { PoolEndpointSchema } from '../events/pool-events.schema';
import {
  ActorSchema,
  DeploymentIdSchema,
  envelopeOf,
  type Envelope,
  ServiceNameSchema,
} from '../events/envelope.schema';
import {
  AffinitySchema,
  ANALYSIS_METRICS,
  CachesSchema,
  HttpUrlSchema,
  ParsedPoolSchema,
  ReleaseSchema,
  ReleaseVersionSchema,
} from '../manifest/deploy-request.schema';

const MsSchema = z.number().int().min(0);

/** A pool as the data plane sees it: which release, where. */
export const PoolTargetSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
});

/** Start the green replicas of `release`. */
export const PoolProvisionCommandSchema = z.object({
  release: ReleaseSchema,
  pool: ParsedPoolSchema,
});

/** Stop the pool of `release` (after drain, or on abort). */
export const PoolStopCommandSchema = z.object({
  release: ReleaseVersionSchema,
  reason: z.string(),
});

/**
 * Probe every green replica through connect → /health → /v1/models → warm-up completions.
 * `deadline` is absolute, so a redelivered command (the prober restarted) does not extend it.
 */
export const ReadinessProbeCommandSchema = z.object({
  release: ReleaseVersionSchema,
  /** The name clients send as `model`: /v1/models must list it. */
  servedModel: ServiceNameSchema,
  endpoints: z.array(PoolEndpointSchema).min(1).max(64),
  warmupRequests: z.number().int().min(0).max(100),
  deadline: z.iso.datetime(),
});

/** Smoke tests + eval suite on green, paired with blue when there is one. */
export const EvalRunCommandSchema = z.object({
  green: PoolTargetSchema,
  blue: PoolTargetSchema.nullable(),
  suite: z.string().nullable(),
  minPassRate: z.number().min(0).max(1),
});

/** Judge green against blue while a step bakes. */
export const AnalysisStartCommandSchema = z.object({
  step: z.number().int().min(0),
  weight: z.number().int().min(0).max(100),
  bakeMs: MsSchema,
  intervalMs: MsSchema,
  metrics: z.array(z.enum(ANALYSIS_METRICS)).min(1),
  green: PoolTargetSchema,
  blue: PoolTargetSchema.nullable(),
});

/**
 * Set the split of `service`; `version` orders routing changes (a stale or repeated one is
 * refused). `pools` replaces where the pools are (the canary's first step); without it only the
 * weights change (a ramp step, a rollback).
 */
export const TrafficSetCommandSchema = z.object({
  service: ServiceNameSchema,
  weights: TrafficWeightsSchema,
  version: z.number().int().positive(),
  pools: z
    .object({ blue: PoolTargetSchema.nullable(), green: PoolTargetSchema.nullable() })
    .optional(),
  affinity: AffinitySchema.optional(),
});

/** Wait for the pool to have nothing in flight, then hold it in standby. */
export const DrainStartCommandSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
  timeoutMs: MsSchema,
});

/** Diff the releases into a cache plan and pre-warm green. */
export const CachePrepareCommandSchema = z.object({
  release: ReleaseSchema,
  blueRelease: ReleaseSchema.nullable(),
  caches: CachesSchema,
  green: PoolTargetSchema,
});

/** Operator action from REST/CLI/NATS; self-contained, so not wrapped in an envelope. */
export const DeploymentControlCommandSchema = z.object({
  deploymentId: DeploymentIdSchema,
  action: ControlActionSchema,
  actor: ActorSchema,
  reason: z.string().max(2000).optional(),
});

/** Command type (subject greenlight.cmd.<type>.<service>) -> schema of its data. */
export const COMMAND_SCHEMAS = {
  'pool.provision': PoolProvisionCommandSchema,
  'pool.stop': PoolStopCommandSchema,
  'readiness.probe': ReadinessProbeCommandSchema,
  'eval.run': EvalRunCommandSchema,
  'analysis.start': AnalysisStartCommandSchema,
  'traffic.set': TrafficSetCommandSchema,
  'drain.start': DrainStartCommandSchema,
  'cache.prepare': CachePrepareCommandSchema,
  'deployment.control': DeploymentControlCommandSchema,
} as const;

export type CommandType = keyof typeof COMMAND_SCHEMAS;
export type CommandData<T extends CommandType> = z.output<(typeof COMMAND_SCHEMAS)[T]>;

function commandEnvelope<T extends Exclude<CommandType, 'deployment.control'>>(type: T) {
  return envelopeOf(COMMAND_SCHEMAS[type]).extend({ type: z.literal(type) });
}

/**
 * The whole message on each command subject: the orchestrator's commands travel in the event
 * envelope (deploymentId, seq, causationId); deployment.control is a bare message.
 */
export const COMMAND_MESSAGE_SCHEMAS = {
  'pool.provision': commandEnvelope('pool.provision'),
  'pool.stop': commandEnvelope('pool.stop'),
  'readiness.probe': commandEnvelope('readiness.probe'),
  'eval.run': commandEnvelope('eval.run'),
  'analysis.start': commandEnvelope('analysis.start'),
  'traffic.set': commandEnvelope('traffic.set'),
  'drain.start': commandEnvelope('drain.start'),
  'cache.prepare': commandEnvelope('cache.prepare'),
  'deployment.control': DeploymentControlCommandSchema,
} as const;

export type CommandMessage<T extends CommandType> = T extends 'deployment.control'
  ? z.output<typeof DeploymentControlCommandSchema>
  : Envelope<CommandData<T>> & { type: T };

export const COMMAND_TYPES = Object.keys(COMMAND_SCHEMAS) as CommandType[];
