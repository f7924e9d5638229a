import { z } from 'zod';
import { safeParse, type ValidationIssue } from '@greenlight/contracts';
import { parseSimDuration } from './sim-duration.util';
import { SIM_DEFAULTS, SIM_OPTION_ERRORS, SIM_OPTION_MESSAGES } from './sim-options.constants';

const SECOND_MS = 1_000;

/** CLI flags arrive as text, profiles as YAML scalars: numeric text counts as a number. */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) =>
      typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))
        ? Number(value)
        : value,
    schema,
  );
}

const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: SIM_OPTION_MESSAGES.boolean }),
);

function duration(bareUnitMs: number, message: string) {
  return z.union([z.number(), z.string()], { error: message }).transform((value, ctx) => {
    const ms = parseSimDuration(value, bareUnitMs);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return ms;
  });
}

const seconds = duration(SECOND_MS, SIM_OPTION_MESSAGES.durationSeconds);
const millis = duration(1, SIM_OPTION_MESSAGES.durationMillis);
const fraction = numeric(
  z
    .number({ error: SIM_OPTION_MESSAGES.fraction })
    .min(0, SIM_OPTION_MESSAGES.fraction)
    .max(1, SIM_OPTION_MESSAGES.fraction),
);
const count = numeric(z.number().int().min(1));
const name = z.string().trim().min(1);

/** Every option in camelCase: the flags (kebab-case) and a profile file share this one schema. */
export const SimOptionsSchema = z
  .strictObject({
    port: numeric(
      z
        .number({ error: SIM_OPTION_MESSAGES.port })
        .int(SIM_OPTION_MESSAGES.port)
        .min(0, SIM_OPTION_MESSAGES.port)
        .max(65_535, SIM_OPTION_MESSAGES.port),
    ).default(SIM_DEFAULTS.port),
    host: name.default(SIM_DEFAULTS.host),
    model: name,
    version: name,
    servedModelName: name.optional(),
    replica: name.optional(),
    chatTemplate: name.optional(),
    knowledge: name.optional(),
    coldStart: seconds.default(0),
    shutdownTimeout: seconds.optional(),
    ttftOverhead: millis.default(SIM_DEFAULTS.ttftOverheadMs),
    prefillPerToken: millis.default(SIM_DEFAULTS.prefillPerTokenMs),
    itl: millis.default(SIM_DEFAULTS.itlMs),
    maxNumSeqs: count.default(SIM_DEFAULTS.maxNumSeqs),
    numGpuBlocks: count.default(SIM_DEFAULTS.numGpuBlocks),
    maxModelLen: count.default(SIM_DEFAULTS.maxModelLen),
    maxTokens: count.default(SIM_DEFAULTS.maxTokens),
    loadFactor: numeric(z.number().min(0)).default(SIM_DEFAULTS.loadFactor),
    errorRate: fraction.default(0),
    latencyFactor: numeric(z.number().positive(SIM_OPTION_MESSAGES.positive)).default(1),
    quality: fraction.default(1),
    leakTemplate: flag.default(false),
    neverReady: flag.default(false),
    failCompletions: flag.default(false),
    crashAfter: count.optional(),
    seed: numeric(z.number().int()).default(SIM_DEFAULTS.seed),
  })
  .transform(({ coldStart, shutdownTimeout, ttftOverhead, prefillPerToken, itl, ...rest }) => ({
    ...rest,
    servedModelName: rest.servedModelName ?? rest.model,
    coldStartMs: coldStart,
    shutdownTimeoutMs: shutdownTimeout,
    ttftOverheadMs: ttftOverhead,
    prefillPerTokenMs: prefillPerToken,
    itlMs: itl,
  }));

/** What a profile or a test passes: the same keys as the flags, in camelCase. */
export type SimOptionsInput = z.input<typeof SimOptionsSchema>;
/** Validated options; durations are in milliseconds (`*Ms`). */
export type SimOptions = z.output<typeof SimOptionsSchema>;

/** The option keys, for the CLI and profile merging. */
export const SIM_OPTION_KEYS = Object.keys(SimOptionsSchema.in.shape) as (keyof SimOptionsInput)[];

export class SimOptionsError extends Error {
  override readonly name = 'SimOptionsError';
}

/**
 * Validates raw options. `describe` turns an issue's key into what the user typed (a flag or a
 * profile field), so the message names the option to fix.
 */
export function parseSimOptions(
  raw: Record<string, unknown>,
  describe: (key: string) => string = (key) => key,
): SimOptions {
  const result = safeParse(SimOptionsSchema, raw);
  if (result.ok) return result.value;
  throw new SimOptionsError(
    `${SIM_OPTION_ERRORS.prefix}: ${result.issues.map((issue) => describeIssue(issue, describe)).join('; ')}`,
  );
}

function describeIssue(issue: ValidationIssue, describe: (key: string) => string): string {
  const key = issue.path.split(/[.[]/)[0] ?? issue.path;
  return `${describe(key)}: ${issue.message}`;
}
