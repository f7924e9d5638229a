import { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

export const EvalRunnerConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['eval-runner']),
  /** Suite paths in eval.run commands resolve under this directory, and never leave it. */
  EVAL_SUITES_DIR: z
    .string()
    .min(1)
    .default(() => process.cwd()),
  /** Requests in flight per pool while a suite runs. */
  EVAL_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Longest one smoke or eval request may take (the command's deadline still bounds it). */
  EVAL_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
});

export type EvalRunnerConfig = z.output<typeof EvalRunnerConfigSchema>;

/** What the eval module needs from the config (tests pass only this). */
export type EvalSettings = Pick<
  EvalRunnerConfig,
  'EVAL_SUITES_DIR' | 'EVAL_CONCURRENCY' | 'EVAL_REQUEST_TIMEOUT_MS'
>;
