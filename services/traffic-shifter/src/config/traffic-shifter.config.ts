import type { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const TrafficShifterConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['traffic-shifter']),
});

export type TrafficShifterConfig = z.output<typeof TrafficShifterConfigSchema>;
