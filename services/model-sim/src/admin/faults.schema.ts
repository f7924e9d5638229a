import { z } from 'zod';

const fraction = z.number().min(0).max(1);

/** PUT /admin/faults: any subset of the faults; merged into the current ones. */
export const FaultsPatchSchema = z.strictObject({
  errorRate: fraction.optional(),
  latencyFactor: z.number().positive().optional(),
  quality: fraction.optional(),
  leakTemplate: z.boolean().optional(),
  neverReady: z.boolean().optional(),
  failCompletions: z.boolean().optional(),
  /** null turns the crash off. */
  crashAfter: z.number().int().min(1).nullable().optional(),
  /** What /v1/models lists and `model` must name (the process keeps running). */
  servedModelName: z.string().trim().min(1).optional(),
});

export type FaultsPatch = z.output<typeof FaultsPatchSchema>;

export const ServedModelNameSchema = z.strictObject({ name: z.string().trim().min(1) });

export interface Faults {
  errorRate: number;
  latencyFactor: number;
  quality: number;
  leakTemplate: boolean;
  neverReady: boolean;
  failCompletions: boolean;
  crashAfter: number | null;
  servedModelName: string;
}
