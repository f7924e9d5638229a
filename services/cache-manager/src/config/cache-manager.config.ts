import type { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const CacheManagerConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['cache-manager']),
});

export type CacheManagerConfig = z.output<typeof CacheManagerConfigSchema>;
