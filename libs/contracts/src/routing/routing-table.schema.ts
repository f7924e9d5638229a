import { z } from 'zod';
import { ServiceNameSchema } from '../events/envelope.schema';
import {
  AffinitySchema,
  CacheGenerationSchema,
  HttpUrlSchema,
} from '../manifest/deploy-request.schema';

export const ROUTING_WEIGHTS_MESSAGE = 'weights of the pools present must sum to 100';
export const ROUTING_NO_POOL_MESSAGE = 'at least one of blue and green must be present';

export const PoolRouteSchema = z.strictObject({
  release: z.string().min(1).max(64),
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
  weight: z.number().int().min(0).max(100),
  /** The semantic-cache generation this pool's answers belong to (absent: no semantic cache). */
  generation: CacheGenerationSchema.optional(),
});

/** What the data plane applies for one model service; `version` only ever grows. */
export const RoutingTableSchema = z
  .strictObject({
    service: ServiceNameSchema,
    version: z.number().int().min(0),
    affinity: AffinitySchema,
    pools: z.strictObject({ blue: PoolRouteSchema.nullable(), green: PoolRouteSchema.nullable() }),
  })
  .superRefine((table, ctx) => {
    const { blue, green } = table.pools;
    if (!blue && !green) {
      ctx.addIssue({ code: 'custom', path: ['pools'], message: ROUTING_NO_POOL_MESSAGE });
      return;
    }
    const weights = [blue?.weight ?? 0, green?.weight ?? 0];
    // An out-of-range weight is already reported at its own path.
    if (!weights.every((w) => Number.isInteger(w) && w >= 0 && w <= 100)) return;
    const sum = weights[0]! + weights[1]!;
    if (sum !== 100) {
      const parts = [blue && `blue ${blue.weight}`, green && `green ${green.weight}`]
        .filter(Boolean)
        .join(' + ');
      ctx.addIssue({
        code: 'custom',
        path: ['pools'],
        message: `${ROUTING_WEIGHTS_MESSAGE} (${parts} = ${sum})`,
      });
    }
  });

export type PoolRoute = z.output<typeof PoolRouteSchema>;
export type RoutingTable = z.output<typeof RoutingTableSchema>;
