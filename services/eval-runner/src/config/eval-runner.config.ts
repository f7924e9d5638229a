import type { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const EvalRunnerConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['eval-runner']),
});

export type EvalRunnerConfig = z.output<typeof EvalRunnerConfigSchema>;
