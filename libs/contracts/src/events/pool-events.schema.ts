import { z } from 'zod';
import { HttpUrlSchema, ReleaseVersionSchema } from '../manifest/deploy-request.schema';

export const PoolEndpointSchema = z.object({
  replica: z.number().int().min(0),
  url: HttpUrlSchema,
});
export type PoolEndpoint = z.output<typeof PoolEndpointSchema>;

export const PoolProvisionedDataSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(PoolEndpointSchema).min(1),
});

/** The readiness stages a replica passes, in order (DESIGN.md: connect → /health → /v1/models → warm-up). */
export const READINESS_STAGES = ['connect', 'health', 'models', 'warmup'] as const;
export type ReadinessStage = (typeof READINESS_STAGES)[number];

/** Where a pool failed: starting it, one readiness stage, or a replica that exited. */
export const POOL_FAILURE_STAGES = ['provision', ...READINESS_STAGES, 'crash'] as const;
export type PoolFailureStage = (typeof POOL_FAILURE_STAGES)[number];

/** When each readiness stage of one replica passed. */
export const ReplicaReadyDataSchema = z.object({
  release: ReleaseVersionSchema,
  replica: z.number().int().min(0),
  url: HttpUrlSchema,
  stages: z.object({
    connect: z.iso.datetime(),
    health: z.iso.datetime(),
    models: z.iso.datetime(),
    warmup: z.iso.datetime(),
  }),
});

/** Every replica passed readiness. */
export const PoolReadyDataSchema = z.object({
  release: ReleaseVersionSchema,
  endpoints: z.array(PoolEndpointSchema).min(1),
});

export const PoolFailedDataSchema = z.object({
  release: ReleaseVersionSchema,
  reason: z.string(),
  stage: z.enum(POOL_FAILURE_STAGES),
  replica: z.number().int().min(0).nullable().optional(),
});

/** The pool of `release` is stopped and gone. */
export const PoolDecommissionedDataSchema = z.object({ release: z.string() });
