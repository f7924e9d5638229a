import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DAY_MS, durationWithin, formatDuration, HOUR_MS, SECOND_MS } from '../duration.util';
import { ServiceNameSchema } from '../events/envelope.schema';

export const TEMPLATE_FILE_ON_WIRE_MESSAGE =
  'template.file is read by the greenlight CLI; REST and NATS requests must carry template.content';
export const PATH_TRAVERSAL_MESSAGE = 'must not contain ".." segments (path traversal)';
export const ABSOLUTE_PATH_MESSAGE = 'must be a relative path, not an absolute one';
export const PORT_PLACEHOLDER_MESSAGE = 'must contain the "{port}" placeholder';
export const LAST_STEP_MESSAGE = 'the last step must have weight 100';
export const SHA256_MESSAGE = 'must be a sha256 digest (64 hex characters)';
export const CONTROL_CHARS_MESSAGE = 'must not contain control characters';
export const NUL_MESSAGE = 'must not contain NUL characters';
/** Longest argv entry or environment value a process may be handed (Linux refuses > 128 KiB). */
export const PROCESS_TEXT_MAX = 32 * 1024;

export const TEMPLATE_MAX_BYTES = 1024 * 1024;

export function sha256Hex(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A name, id or version: it ends up in logs, file names and command lines, so no control characters. */
export function labelSchema(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s), CONTROL_CHARS_MESSAGE);
}

/** Text handed to a process (argv, environment): bounded, and never a NUL, which the OS cannot pass. */
export const ProcessTextSchema = z
  .string()
  .max(PROCESS_TEXT_MAX)
  .refine((s) => !s.includes('\u0000'), NUL_MESSAGE);

export const Sha256Schema = z
  .string()
  .regex(SHA256_HEX, SHA256_MESSAGE)
  .transform((hex) => hex.toLowerCase());

/** A path inside the manifest's directory: never absolute, never escaping upwards. */
export const RelativePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !CONTROL_CHARS.test(p), CONTROL_CHARS_MESSAGE)
  .refine((p) => !/^([/\\]|[A-Za-z]:)/.test(p), ABSOLUTE_PATH_MESSAGE)
  .refine((p) => !p.split(/[/\\]/).includes('..'), PATH_TRAVERSAL_MESSAGE);

export const HttpUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL',
});

// ---- release -------------------------------------------------------------------------------

export const ReleaseVersionSchema = z
  .string()
  // Starts with a letter or digit: "." and ".." would name directories when used in a path.
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1-64 characters of letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

const releaseShape = {
  version: ReleaseVersionSchema,
  model: z.strictObject({
    id: labelSchema(200),
    revision: labelSchema(200).optional(),
  }),
  tokenizer: z.strictObject({ sha256: Sha256Schema }).optional(),
  engine: z
    .strictObject({
      name: labelSchema(100),
      version: labelSchema(100).optional(),
      args: z.array(ProcessTextSchema).max(256).default([]),
    })
    .optional(),
  sampling: z
    .strictObject({
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().min(0).max(1).optional(),
      max_tokens: z.number().int().positive().optional(),
    })
    .optional(),
  systemPrompt: z.string().max(TEMPLATE_MAX_BYTES).optional(),
  adapters: z.array(labelSchema(200)).max(64).optional(),
  quantization: labelSchema(100).optional(),
  embeddingModel: labelSchema(200).optional(),
  hardware: labelSchema(200).optional(),
};

const templateIdSchema = labelSchema(200);

/** Wire form (REST, NATS): the template travels inline and its digest is checked here. */
export const TemplateContentSchema = z
  .strictObject({
    id: templateIdSchema,
    content: z
      .string()
      .refine((c) => Buffer.byteLength(c, 'utf8') <= TEMPLATE_MAX_BYTES, 'must be at most 1 MiB'),
    sha256: Sha256Schema,
    // Listed only to answer a CLI manifest sent over the wire with a precise message.
    file: z.never({ error: TEMPLATE_FILE_ON_WIRE_MESSAGE }).optional(),
  })
  .superRefine((template, ctx) => {
    // A malformed digest is already reported; comparing it would only repeat the problem.
    if (!SHA256_HEX.test(template.sha256)) return;
    const actual = sha256Hex(template.content);
    if (actual !== template.sha256.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['sha256'],
        message: `does not match the template content: expected ${template.sha256}, content hashes to ${actual}`,
      });
    }
  });

/** File form (release.yaml for the CLI): the CLI reads `file` and inlines it as `content`. */
export const TemplateFileSchema = z.strictObject({
  id: templateIdSchema,
  file: RelativePathSchema,
  sha256: Sha256Schema,
});

export const ReleaseSchema = z.strictObject({
  ...releaseShape,
  template: TemplateContentSchema.optional(),
});
export const ReleaseFileSchema = z.strictObject({
  ...releaseShape,
  template: TemplateFileSchema.optional(),
});

// ---- pool ----------------------------------------------------------------------------------

export const POOL_DRIVERS = ['process', 'static', 'systemd', 'kubernetes'] as const;
export type PoolDriver = (typeof POOL_DRIVERS)[number];

const replicasSchema = z.number().int().min(1).max(64).default(1);
const stopTimeoutSchema = durationWithin(SECOND_MS, HOUR_MS).prefault('120s');
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_LABEL_MESSAGE =
  'must be a DNS label: lowercase letters, digits and "-", at most 63 characters';

export const ProcessPoolSchema = z.strictObject({
  driver: z.literal('process'),
  replicas: replicasSchema,
  command: z
    .string()
    .min(1)
    .max(4096)
    .refine((c) => !c.includes('\u0000'), NUL_MESSAGE)
    .refine((c) => c.includes('{port}'), PORT_PLACEHOLDER_MESSAGE),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
      ProcessTextSchema,
    )
    .optional(),
  stopTimeout: stopTimeoutSchema,
});

export const StaticPoolSchema = z.strictObject({
  driver: z.literal('static'),
  endpoints: z.array(HttpUrlSchema).min(1).max(64),
});

export const SystemdPoolSchema = z.strictObject({
  driver: z.literal('systemd'),
  replicas: replicasSchema,
  unit: z
    .string()
    .regex(
      /^[A-Za-z0-9:_.\\-]+@\.service$/,
      'must be a systemd template unit name like "vllm@.service"',
    ),
  stopTimeout: stopTimeoutSchema,
});

export const KubernetesPoolSchema = z.strictObject({
  driver: z.literal('kubernetes'),
  namespace: z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE),
  deployment: z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE),
  replicas: replicasSchema,
  service: z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE).optional(),
});

export const PoolSchema = z.discriminatedUnion('driver', [
  ProcessPoolSchema,
  StaticPoolSchema,
  SystemdPoolSchema,
  KubernetesPoolSchema,
]);

// ---- strategy ------------------------------------------------------------------------------

export const ANALYSIS_METRICS = ['errorRate', 'ttftP95', 'itlP95', 'e2eP95'] as const;
export type AnalysisMetric = (typeof ANALYSIS_METRICS)[number];
export const AFFINITIES = ['session', 'prefix', 'none'] as const;
export type Affinity = (typeof AFFINITIES)[number];
export const AffinitySchema = z.enum(AFFINITIES);

export const DEFAULT_STEPS = [
  { weight: 1, bake: '10m' },
  { weight: 25, bake: '10m' },
  { weight: 75, bake: '10m' },
  { weight: 100 },
] as const;

export const StepSchema = z.strictObject({
  weight: z.number().int().min(1).max(100),
  bake: durationWithin(0, DAY_MS).prefault('0s'),
});

export const StepsSchema = z
  .array(StepSchema)
  .min(1)
  .max(100)
  .superRefine((steps, ctx) => {
    // Range errors are already reported per step; ordering only means something once they are fixed.
    if (!steps.every((s) => Number.isInteger(s.weight) && s.weight >= 1 && s.weight <= 100)) return;
    steps.forEach((step, i) => {
      const previous = steps[i - 1];
      if (previous && step.weight <= previous.weight) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'weight'],
          message: `must be greater than the previous step's weight (${previous.weight}): weights increase strictly`,
        });
      }
    });
    const last = steps.length - 1;
    if (steps[last] && steps[last].weight !== 100) {
      ctx.addIssue({ code: 'custom', path: [last, 'weight'], message: LAST_STEP_MESSAGE });
    }
  });

export const StrategySchema = z.strictObject({
  readiness: z
    .strictObject({
      timeout: durationWithin(SECOND_MS, HOUR_MS).prefault('300s'),
      warmupRequests: z.number().int().min(0).max(100).default(3),
    })
    .prefault({}),
  eval: z
    .strictObject({
      suite: RelativePathSchema,
      minPassRate: z.number().min(0).max(1).default(0.95),
    })
    .optional(),
  steps: StepsSchema.prefault(DEFAULT_STEPS.map((s) => ({ ...s }))),
  analysis: z
    .strictObject({
      interval: durationWithin(SECOND_MS, HOUR_MS).prefault('30s'),
      metrics: z
        .array(z.enum(ANALYSIS_METRICS))
        .min(1)
        .prefault([...ANALYSIS_METRICS]),
      maxBakeExtensions: z.number().int().min(0).max(100).default(3),
      /** Green requests a step must see before it can pass (fewer: inconclusive). */
      minSamples: z.number().int().min(0).max(1_000_000).default(50),
    })
    .prefault({}),
  drain: z
    .strictObject({ timeout: durationWithin(SECOND_MS, DAY_MS).prefault('120s') })
    .prefault({}),
  standby: durationWithin(0, 7 * DAY_MS).prefault('24h'),
  affinity: AffinitySchema.default('session'),
});

// ---- caches --------------------------------------------------------------------------------

export const SEMANTIC_BACKENDS = ['redis', 'qdrant', 'none'] as const;
export const SEMANTIC_CACHE_MODES = ['share', 'new-generation', 'new-collection'] as const;
export type SemanticCacheMode = (typeof SEMANTIC_CACHE_MODES)[number];

export const CachesSchema = z.strictObject({
  prefixWarmup: z
    .strictObject({
      topPrefixes: z.number().int().min(0).max(10_000).default(200),
      /** Pre-warming stops when this runs out; WarmingUp does not wait longer for it. */
      budget: durationWithin(0, HOUR_MS).prefault('60s'),
    })
    .prefault({}),
  semantic: z
    .strictObject({
      backend: z.enum(SEMANTIC_BACKENDS).default('redis'),
      override: z
        .strictObject({ mode: z.enum(SEMANTIC_CACHE_MODES), reason: z.string().min(3).max(500) })
        .optional(),
    })
    .prefault({}),
});

/**
 * A semantic-cache generation: answers stored under one may be served only by a pool that owns
 * it. Also a Redis key segment and a Qdrant collection name, hence the narrow alphabet.
 */
export const CacheGenerationSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,99}$/,
    'must be 1-100 characters of lowercase letters, digits, "_" and "-"',
  );

// ---- the manifest --------------------------------------------------------------------------

function manifestOf<R extends z.ZodType>(release: R) {
  return z.strictObject({
    service: ServiceNameSchema,
    release,
    pool: PoolSchema,
    strategy: StrategySchema.prefault({}),
    caches: CachesSchema.prefault({}),
  });
}

/** A deploy request as REST and NATS carry it (template inline). Output: durations in ms, defaults filled. */
export const DeployRequestSchema = manifestOf(ReleaseSchema);
/** release.yaml as the CLI reads it (template by file reference). */
export const ManifestFileSchema = manifestOf(ReleaseFileSchema);

export type DeployRequest = z.output<typeof DeployRequestSchema>;
export type DeployRequestInput = z.input<typeof DeployRequestSchema>;
export type ManifestFile = z.output<typeof ManifestFileSchema>;
export type ManifestFileInput = z.input<typeof ManifestFileSchema>;
export type Release = z.output<typeof ReleaseSchema>;
export type Pool = z.output<typeof PoolSchema>;
export type Strategy = z.output<typeof StrategySchema>;
export type Step = z.output<typeof StepSchema>;
export type Caches = z.output<typeof CachesSchema>;

// ---- re-validating parsed data -------------------------------------------------------------

/**
 * Stored aggregates and commands carry the parsed form (durations in ms). These schemas accept
 * that form by turning the ms back into duration text and running the same validation again,
 * so there is one definition of what a valid request is.
 */
function withDurationText(value: unknown, paths: readonly (readonly string[])[]): unknown {
  if (!isRecord(value)) return value;
  const copy = structuredClone(value);
  for (const path of paths) formatAt(copy, path);
  return copy;
}

function formatAt(node: unknown, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (head === '*') {
    if (Array.isArray(node)) node.forEach((item) => formatAt(item, rest));
    return;
  }
  if (!isRecord(node)) return;
  if (rest.length === 0) {
    const v = node[head];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) node[head] = formatDuration(v);
    return;
  }
  formatAt(node[head], rest);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const POOL_DURATION_PATHS = [['stopTimeout']] as const;
const REQUEST_DURATION_PATHS = [
  ['pool', 'stopTimeout'],
  ['strategy', 'readiness', 'timeout'],
  ['strategy', 'steps', '*', 'bake'],
  ['strategy', 'analysis', 'interval'],
  ['strategy', 'drain', 'timeout'],
  ['strategy', 'standby'],
  ['caches', 'prefixWarmup', 'budget'],
] as const;

const CACHES_DURATION_PATHS = [['prefixWarmup', 'budget']] as const;

/** `caches` as stored and sent in commands (budget in ms). */
export const ParsedCachesSchema = z.preprocess(
  (v) => withDurationText(v, CACHES_DURATION_PATHS),
  CachesSchema,
);

export const ParsedPoolSchema = z.preprocess(
  (v) => withDurationText(v, POOL_DURATION_PATHS),
  PoolSchema,
);
export const ParsedDeployRequestSchema = z.preprocess(
  (v) => withDurationText(v, REQUEST_DURATION_PATHS),
  DeployRequestSchema,
);
