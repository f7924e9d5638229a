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
  CacheGenerationSchema,
  HttpUrlSchema,
  ParsedCachesSchema,
  ParsedPoolSchema,
  ReleaseSchema,
  ReleaseVersionSchema,
  RelativePathSchema,
} from '../manifest/deploy-request.schema';

const MsSchema = z.number().int().min(0);

/** A pool as the data plane sees it: which release, where, which semantic-cache generation it owns. */
export const PoolTargetSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
  /** Absent: the gateway neither reads nor writes the semantic cache for this pool. */
  generation: CacheGenerationSchema.optional(),
});
export type PoolTarget = z.output<typeof PoolTargetSchema>;

/** Start the green replicas of `release`. */
export const PoolProvisionCommandSchema = z.object({
  release: ReleaseSchema,
  pool: ParsedPoolSchema,
});

/**
 * Stop the pool of `release`. With `drain`, first wait (bounded) until nothing is in flight on
 * it: a pool that served users (green after a rollback) finishes what it started.
 */
export const PoolStopCommandSchema = z.object({
  release: ReleaseVersionSchema,
  reason: z.string(),
  drain: z
    .object({ endpoints: z.array(HttpUrlSchema).min(1).max(64), timeoutMs: MsSchema })
    .optional(),
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

/**
 * Smoke tests + eval suite on green, paired with blue when there is one. `suite` is a path under
 * the eval-runner's suite directory (null: smoke tests only). `deadline` is absolute, like
 * readiness.probe's, so a redelivered command does not extend it.
 */
export const EvalRunCommandSchema = z.object({
  /** The name clients send as `model`. */
  servedModel: ServiceNameSchema,
  green: PoolTargetSchema,
  blue: PoolTargetSchema.nullable(),
  suite: RelativePathSchema.nullable(),
  minPassRate: z.number().min(0).max(1),
  deadline: z.iso.datetime(),
});

/**
 * Judge green against blue while step `step` bakes: every `intervalMs` the health-prober
 * publishes analysis.completed on everything seen since the step began. It keeps judging for
 * `maxDurationMs` (the bake and its possible extensions), or until the deployment leaves the step.
 */
export const AnalysisStartCommandSchema = z.object({
  step: z.number().int().min(0),
  weight: z.number().int().min(0).max(100),
  bakeMs: MsSchema,
  maxDurationMs: MsSchema,
  intervalMs: MsSchema,
  metrics: z.array(z.enum(ANALYSIS_METRICS)).min(1),
  /** Green requests needed before a pass (fewer: inconclusive); absent: the prober's default. */
  minSamples: z.number().int().min(0).max(1_000_000).optional(),
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

/**
 * Blue is at 0 % everywhere (confirmed): report once nothing is in flight on `release` (gateway
 * gauges and each replica's vllm:num_requests_running), or when `timeoutMs` has passed.
 */
export const DrainStartCommandSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
  timeoutMs: MsSchema,
});

/**
 * Diff the releases into a cache plan (cache.plan), then pre-warm green's prefix caches
 * (cache.prewarmed) within `budgetMs`. Sent once every green replica is ready.
 */
export const CachePrepareCommandSchema = z.object({
  release: ReleaseSchema,
  blueRelease: ReleaseSchema.nullable(),
  /** The generation blue's answers are stored under (null: none yet). */
  blueGeneration: CacheGenerationSchema.nullable(),
  caches: ParsedCachesSchema,
  green: PoolTargetSchema,
  /** Replicas of each pool (a change of size alone keeps the semantic cache valid). */
  replicas: z
    .object({ blue: z.number().int().min(1).nullable(), green: z.number().int().min(1) })
    .optional(),
  budgetMs: MsSchema,
});

/**
 * Who sent a control command over NATS. `user:` actors are REST/CLI principals whose token the
 * orchestrator checked; a NATS message could claim any name, so it must say `nats:`.
 */
export const NatsActorSchema = ActorSchema.regex(
  /^nats:\S+$/,
  'must be "nats:<client name>" ("user:" actors come only from REST tokens)',
);

/** Operator action published on NATS; self-contained, so not wrapped in an envelope. */
export const DeploymentControlCommandSchema = z.object({
  deploymentId: DeploymentIdSchema,
  action: ControlActionSchema,
  actor: NatsActorSchema,
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
