import { z } from 'zod';
import { HttpUrlSchema } from '../manifest/deploy-request.schema';

export const PoolEndpointSchema = z.object({
  replica: z.number().int().min(0),
  url: HttpUrlSchema,
});
export type PoolEndpoint = z.output<typeof PoolEndpointSchema>;

export const PoolProvisionedDataSchema = z.object({
  endpoints: z.array(PoolEndpointSchema).min(1),
});

/** When each readiness stage of one replica passed. */
export const ReplicaReadyDataSchema = z.object({
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
export const PoolReadyDataSchema = z.object({ endpoints: z.array(PoolEndpointSchema).min(1) });

export const PoolFailedDataSchema = z.object({
  reason: z.string(),
  replica: z.number().int().min(0).nullable().optional(),
});

/** The pool of `release` is stopped and gone. */
export const PoolDecommissionedDataSchema = z.object({ release: z.string() });
