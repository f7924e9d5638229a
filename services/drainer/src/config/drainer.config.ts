import type { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const DrainerConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['drainer']),
});

export type DrainerConfig = z.output<typeof DrainerConfigSchema>;
