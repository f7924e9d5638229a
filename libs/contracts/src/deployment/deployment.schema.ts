import { z } from 'zod';
import { CachePlanDataSchema } from '../events/cache-events.schema';
import { PoolEndpointSchema } from '../events/pool-events.schema';
import { VERDICTS } from '../events/verification-events.schema';
import { ActorSchema, DeploymentIdSchema, ServiceNameSchema } from '../events/envelope.schema';
import {
  CacheGenerationSchema,
  ParsedDeployRequestSchema,
  ParsedPoolSchema,
  ReleaseSchema,
} from '../manifest/deploy-request.schema';
import { PHASES } from './phase.constants';

export const PhaseSchema = z.enum(PHASES);

export const PercentSchema = z.number().int().min(0).max(100);

export const WEIGHTS_SUM_MESSAGE = 'blue and green weights must sum to 100';

/** Traffic split between the pools, in percent. */
export const TrafficWeightsSchema = z
  .strictObject({ blue: PercentSchema, green: PercentSchema })
  .refine((w) => w.blue + w.green === 100, WEIGHTS_SUM_MESSAGE);
export type TrafficWeights = z.output<typeof TrafficWeightsSchema>;

/** The release being replaced, the pool serving it, and where its replicas listen. */
export const BlueSchema = z.strictObject({
  release: ReleaseSchema,
  pool: ParsedPoolSchema,
  endpoints: z.array(PoolEndpointSchema).min(1).max(64),
  /** The semantic-cache generation blue's answers are stored under. */
  generation: CacheGenerationSchema.nullable().default(null),
});

/** The latest analysis verdict of the current step, and how often its bake was extended. */
export const StepAnalysisSchema = z.strictObject({
  step: z.number().int().min(0),
  verdict: z.enum(VERDICTS),
  at: z.iso.datetime(),
  extensions: z.number().int().min(0),
  reasons: z.array(z.string()),
});

/** Where the new release's replicas listen. */
export const GreenSchema = z.strictObject({
  endpoints: z.array(PoolEndpointSchema).min(1).max(64),
});

/** The stored Deployment aggregate (the orchestrator's record, one per deploy). */
export const DeploymentSchema = z.strictObject({
  id: DeploymentIdSchema,
  service: ServiceNameSchema,
  request: ParsedDeployRequestSchema,
  phase: PhaseSchema,
  paused: z.boolean(),
  /** Sequence number of the last event published for this deployment; 0 before the first. */
  seq: z.number().int().min(0),
  /** Optimistic-concurrency version of this record; 1 on creation. */
  version: z.number().int().min(1),
  /** Fencing token of the service lock held when the deployment was written. */
  fence: z.number().int().min(0),
  actor: ActorSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Index into request.strategy.steps; null before the canary starts. */
  stepIndex: z.number().int().min(0).nullable(),
  /** The split the data plane confirmed last (traffic.shifted). */
  weights: z.strictObject({ blue: PercentSchema, green: PercentSchema }),
  /** Version of the routing change asked for last; its traffic.shifted moves the deployment on. */
  routingVersion: z.number().int().positive().nullable(),
  blue: BlueSchema.nullable(),
  /** The green replicas, once the pool driver started them. */
  green: GreenSchema.nullable(),
  /** Why it ended (or why it is rolling back); null while it runs normally. */
  reason: z.string().max(2000).nullable(),
  previousDeploymentId: DeploymentIdSchema.nullable(),
  idempotencyKey: z.string().min(1).max(200).nullable(),
  /** The cache-manager's plan (cache.plan), once WarmingUp has it. */
  cachePlan: CachePlanDataSchema.nullable().default(null),
  /** Green passed readiness; WarmingUp ends when the cache is prepared too. */
  greenReady: z.boolean().default(false),
  analysis: StepAnalysisSchema.nullable().default(null),
  /** While paused: how much of the bake or standby window was left when the clock stopped. */
  remainingMs: z.number().int().min(0).nullable().default(null),
  /** An operator aborted while green served: the rollback under way ends as Aborted. */
  aborting: z.boolean().default(false),
  /** Set on a deployment that redeploys a Completed one's previous release (its rollback). */
  rollbackOf: DeploymentIdSchema.nullable().default(null),
});

export type Deployment = z.output<typeof DeploymentSchema>;

/** What a deployment starts with before any service reported on it. */
export const DEPLOYMENT_PROGRESS_DEFAULTS = {
  cachePlan: null,
  greenReady: false,
  analysis: null,
  remainingMs: null,
  aborting: false,
  rollbackOf: null,
} as const satisfies Partial<Deployment>;
export type Blue = z.output<typeof BlueSchema>;
export type StepAnalysis = z.output<typeof StepAnalysisSchema>;
export type Green = z.output<typeof GreenSchema>;
