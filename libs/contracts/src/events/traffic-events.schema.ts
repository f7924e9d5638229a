import { z } from 'zod';
import { TrafficWeightsSchema } from '../deployment/deployment.schema';

/** The data plane confirmed routing-table `version`. */
export const TrafficShiftedDataSchema = z.object({
  weights: TrafficWeightsSchema,
  version: z.number().int().min(0),
  requestedAt: z.iso.datetime(),
  appliedAt: z.iso.datetime(),
});

/** Blue's in-flight requests while it drains (streams among them), reported as they fall. */
export const DrainProgressDataSchema = z.object({
  release: z.string(),
  inFlight: z.number().int().min(0),
  streams: z.number().int().min(0),
  elapsedMs: z.number().int().min(0),
});

/** Blue has nothing in flight (or the drain timeout passed with `inFlight` left). */
export const DrainCompletedDataSchema = z.object({
  release: z.string(),
  inFlight: z.number().int().min(0),
  timedOut: z.boolean(),
  elapsedMs: z.number().int().min(0),
});
