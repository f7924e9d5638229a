import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type {
  CachePlanDataSchema,
  Caches,
  Release,
  SemanticCacheMode,
} from '@greenlight/contracts';
import {
  ENGINE_ARG_RULES,
  ENGINE_ARG_WHY,
  RELEASE_FIELD_RULES,
  REPLICAS_RULE,
  SEMANTIC_SEVERITY,
  UNKNOWN_ENGINE_ARG_WHY,
} from './cache-plan.rules';

export type CachePlan = z.output<typeof CachePlanDataSchema>;

export interface CachePlanInput {
  /** The model service (the envelope's `service`): part of every generation id. */
  service: string;
  release: Release;
  /** null: the first deployment of the service. */
  blueRelease: Release | null;
  blueGeneration: string | null;
  caches: Caches;
  /** Pool sizes, when the caller knows them (they are not release fields). */
  replicas?: { blue?: number; green?: number };
}

/** One differing field and what it means for the semantic cache. */
export interface ReleaseDifference {
  field: string;
  semantic: SemanticCacheMode;
  line: string;
}

export const PLAN_REASONS = {
  firstDeployment: (service: string) =>
    `first deployment of ${service}: no blue answers to share, green starts a new generation`,
  nothingChanged: 'no release field changed: green shares blue answers',
  override: (mode: SemanticCacheMode, reason: string) =>
    `caches.semantic.override: ${mode} (${reason})`,
  overrideRefused: (mode: SemanticCacheMode) =>
    `caches.semantic.override ${mode} ignored: the embedding model changed, so blue's vectors cannot be searched with green's`,
  noBlueGeneration: (generation: string) =>
    `blue has no semantic-cache generation yet: green starts ${generation}`,
  prefixSkipped: 'prefix cache: no pre-warm (caches.prefixWarmup.topPrefixes is 0)',
  backendNone:
    'semantic cache disabled (caches.semantic.backend is none): the plan is kept for the record',
} as const;

const GENERATION_HASH_HEX = 6;
const GENERATION_MAX_LENGTH = 100;

/**
 * Diffs blue's and green's releases field by field (RELEASE_FIELD_RULES, ENGINE_ARG_RULES) into
 * what happens to each cache. Pure: the same command always gives the same plan, generation ids
 * included, so a redelivered cache.prepare repeats it exactly.
 */
export function planCaches(input: CachePlanInput): CachePlan {
  const { service, release, blueRelease, blueGeneration, caches } = input;
  const reasons: string[] = [];
  let semantic: SemanticCacheMode;

  if (blueRelease === null) {
    semantic = 'new-generation';
    reasons.push(PLAN_REASONS.firstDeployment(service));
  } else {
    const differences = diffReleases(blueRelease, release, input.replicas);
    semantic = mostSevere(differences.map((d) => d.semantic));
    reasons.push(...differences.map((d) => d.line));
    if (!differences.some((d) => d.field !== 'version' && d.field !== 'replicas')) {
      reasons.push(PLAN_REASONS.nothingChanged);
    }
  }

  const override = caches.semantic.override;
  if (override) {
    if (semantic === 'new-collection' && override.mode !== 'new-collection') {
      reasons.push(PLAN_REASONS.overrideRefused(override.mode));
    } else {
      semantic = override.mode;
      reasons.push(PLAN_REASONS.override(override.mode, override.reason));
    }
  }

  let green: string;
  if (semantic === 'share' && blueGeneration !== null) {
    green = blueGeneration;
  } else {
    green = newGenerationId(service, release, semantic);
    if (semantic === 'share') reasons.push(PLAN_REASONS.noBlueGeneration(green));
  }

  const prefix = caches.prefixWarmup.topPrefixes > 0 ? 'prewarm' : 'skip';
  if (prefix === 'skip') reasons.push(PLAN_REASONS.prefixSkipped);
  if (caches.semantic.backend === 'none') reasons.push(PLAN_REASONS.backendNone);

  return {
    prefix,
    semantic,
    backend: caches.semantic.backend,
    generations: { blue: blueGeneration, green },
    reasons,
  };
}

/** Every field that differs between the releases, in RELEASE_FIELD_RULES order, engine flags last. */
export function diffReleases(
  blue: Release,
  green: Release,
  replicas?: CachePlanInput['replicas'],
): ReleaseDifference[] {
  const differences: ReleaseDifference[] = [];
  for (const rule of RELEASE_FIELD_RULES) {
    const before = rule.read(blue);
    const after = rule.read(green);
    if (canonical(before) === canonical(after)) continue;
    differences.push({
      field: rule.field,
      semantic: rule.semantic,
      line: `${rule.field}: ${show(before)} → ${show(after)} (${rule.semantic}: ${rule.why})`,
    });
  }
  if (
    replicas?.blue !== undefined &&
    replicas.green !== undefined &&
    replicas.blue !== replicas.green
  ) {
    const { field, semantic, why } = REPLICAS_RULE;
    differences.push({
      field,
      semantic,
      line: `${field}: ${replicas.blue} → ${replicas.green} (${semantic}: ${why})`,
    });
  }
  differences.push(...diffEngineArgs(blue.engine?.args ?? [], green.engine?.args ?? []));
  return differences;
}

/** engine.args flag by flag: a flag added, removed or given another value. */
export function diffEngineArgs(
  blueArgs: readonly string[],
  greenArgs: readonly string[],
): ReleaseDifference[] {
  const before = parseEngineArgs(blueArgs);
  const after = parseEngineArgs(greenArgs);
  const flags = [...new Set([...before.keys(), ...after.keys()])].sort();
  const differences: ReleaseDifference[] = [];
  for (const flag of flags) {
    const was = before.get(flag);
    const now = after.get(flag);
    if (canonical(was) === canonical(now)) continue;
    const known = ENGINE_ARG_RULES[flag];
    const semantic = known ?? 'new-generation';
    const why = known ? ENGINE_ARG_WHY[known] : UNKNOWN_ENGINE_ARG_WHY;
    differences.push({
      field: `engine.args ${flag}`,
      semantic,
      line: `engine.args ${flag}: ${show(was)} → ${show(now)} (${semantic}: ${why})`,
    });
  }
  return differences;
}

/**
 * `--flag value`, `--flag=value` and bare `--flag` (true) into flag → values; underscores read as
 * dashes, as vLLM's parser accepts both. Words before any flag are kept under "(positional)".
 */
export function parseEngineArgs(args: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  const add = (flag: string, value: string) => flags.set(flag, [...(flags.get(flag) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      add('(positional)', arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/_/g, '-');
    if (eq >= 0) {
      add(name, arg.slice(eq + 1));
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      add(name, next);
      i++;
    } else {
      add(name, 'true');
    }
  }
  return flags;
}

/**
 * `<service>-<version>-<6 hex>`: readable in Redis keys and Qdrant collection names; the hash
 * covers the whole release and the mode, so another release (or a redeploy that starts fresh)
 * never reuses a dropped generation's id by accident, while the same command gives the same id.
 */
export function newGenerationId(
  service: string,
  release: Release,
  mode: SemanticCacheMode,
): string {
  const hash = createHash('sha256')
    .update(canonical({ service, release, mode }))
    .digest('hex')
    .slice(0, GENERATION_HASH_HEX);
  const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  const room = GENERATION_MAX_LENGTH - GENERATION_HASH_HEX - 2;
  const head = `${slug(service)}-${slug(release.version)}`.slice(0, room);
  return `${head}-${hash}`;
}

function mostSevere(modes: readonly SemanticCacheMode[]): SemanticCacheMode {
  return modes.reduce<SemanticCacheMode>(
    (worst, mode) => (SEMANTIC_SEVERITY[mode] > SEMANTIC_SEVERITY[worst] ? mode : worst),
    'share',
  );
}

/** JSON with sorted keys: equal values compare equal whatever order their keys were written in. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
          )
        : v,
    ) ?? 'undefined'
  );
}

const SHOW_MAX = 60;

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SHOW_MAX ? `${text.slice(0, SHOW_MAX - 1)}…` : text;
}
