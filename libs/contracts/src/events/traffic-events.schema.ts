import { z } from 'zod';
import { TrafficWeightsSchema } from '../deployment/deployment.schema';

/** The data plane confirmed routing-table `version`. */
export const TrafficShiftedDataSchema = z.object({
  weights: TrafficWeightsSchema,
  version: z.number().int().min(0),
  requestedAt: z.iso.datetime(),
  appliedAt: z.iso.datetime(),
});

export const DrainProgressDataSchema = z.object({ inFlight: z.number().int().min(0) });

export const DrainCompletedDataSchema = z.object({
  inFlight: z.number().int().min(0),
  timedOut: z.boolean(),
});
