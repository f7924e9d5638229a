import type { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const HealthProberConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['health-prober']),
});

export type HealthProberConfig = z.output<typeof HealthProberConfigSchema>;
